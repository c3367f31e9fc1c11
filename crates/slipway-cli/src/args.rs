//! Command-line grammar, kept close to the docker CLI so habits carry over.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "slipway-cli",
    version,
    about = "Manage container images on Docker and Podman"
)]
pub struct Cli {
    /// Engine address (unix:///path, tcp://host:port, ssh://user@host); else DOCKER_HOST,
    /// else the default Docker or Podman socket.
    #[arg(long, short = 'H', global = true)]
    pub host: Option<String>,
    /// Engine by name: a Docker context or a Podman connection (see `engines ls`); else
    /// DOCKER_CONTEXT, else the docker CLI's current context.
    #[arg(long, global = true, conflicts_with = "host", value_name = "NAME")]
    pub context: Option<String>,
    /// Print the core's JSON exactly (errors too, with a non-zero exit code).
    #[arg(long, global = true)]
    pub json: bool,
    /// Give up when the engine or registry sends nothing for this many seconds (at least 1)
    #[arg(
        long,
        global = true,
        env = "SLIPWAY_STALL_TIMEOUT",
        value_name = "SECONDS",
        default_value_t = slipway_core::DEFAULT_STALL_TIMEOUT.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub stall_timeout: u64,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Image commands
    #[command(subcommand)]
    Images(ImagesCmd),
    /// Disk usage of images, build cache, containers and volumes
    Df {
        /// Also each image's unique and shared bytes (like `docker system df -v`)
        #[arg(long, short = 'v')]
        verbose: bool,
    },
    /// Follow image events (tag, untag, delete, pull, push, load, import …)
    Events,
    /// Check credentials against a registry
    Login(LoginArgs),
    /// Which engine answers, its kind and versions
    Engine,
    /// Every engine found: Docker contexts, Podman connections, well-known sockets
    #[command(subcommand)]
    Engines(EnginesCmd),
    /// Remove build cache
    BuilderPrune(BuilderPruneArgs),
    /// Pins: images that `images prune` and `images rm` never remove (shared with the app)
    #[command(subcommand)]
    Pins(PinsCmd),
}

#[derive(Debug, Subcommand)]
pub enum EnginesCmd {
    /// List them with their kind, version and whether they answer (each within 3 s, all at once)
    #[command(alias = "list")]
    Ls,
    /// Add an engine by hand (kept in Slipway's config folder, shared with the app)
    Add(EngineAddArgs),
    /// Forget an engine added by hand
    #[command(alias = "remove")]
    Rm {
        #[arg(value_name = "NAME")]
        name: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct EngineAddArgs {
    /// A name no other engine has (not a Docker context's or a Podman connection's)
    #[arg(value_name = "NAME")]
    pub name: String,
    /// unix:///path, tcp://host:port or ssh://user@host[:port]
    #[arg(value_name = "URL")]
    pub url: String,
    /// The CA certificate that signed the engine's
    #[arg(long, value_name = "FILE")]
    pub tls_ca: Option<String>,
    /// The client certificate
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<String>,
    /// The client certificate's key
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<String>,
    /// Do not check the engine's certificate
    #[arg(long)]
    pub tls_skip_verify: bool,
    /// The ssh identity file for an ssh:// URL (else the agent and ssh's configuration)
    #[arg(long, value_name = "FILE")]
    pub identity: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum PinsCmd {
    /// List the pins (and say if the pins file was damaged)
    #[command(alias = "list")]
    Ls,
    /// Pin names, repositories (every tag), globs (team/*, app:1.*) or image IDs
    Add {
        #[arg(required = true, value_name = "PATTERN")]
        patterns: Vec<String>,
    },
    /// Unpin; each pattern must be pinned, or nothing changes
    #[command(alias = "remove")]
    Rm {
        #[arg(required = true, value_name = "PATTERN")]
        patterns: Vec<String>,
    },
    /// After a damaged pins file: keep the pins recovered from it and turn clean-up back on
    Recover,
    /// After a damaged pins file: start without its pins and turn clean-up back on
    Reset,
}

#[derive(Debug, Subcommand)]
pub enum ImagesCmd {
    /// List images
    #[command(alias = "list")]
    Ls(LsArgs),
    /// Show one image (`{"id","tags",…}`)
    Get { reference: String },
    /// The engine's full inspect document
    Inspect { reference: String },
    /// Layers and the steps that made them
    History { reference: String },
    /// Each image's unique and shared bytes (what deleting it alone frees)
    Usage,
    /// Build an image from a Dockerfile
    Build(Box<BuildArgs>),
    /// Pull an image from a registry
    Pull(PullArgs),
    /// Push an image to a registry
    Push(PushArgs),
    /// Give an image another name
    Tag { source: String, target: String },
    /// Remove images
    #[command(alias = "remove")]
    Rm(RmArgs),
    /// Remove unused images
    Prune(PruneArgs),
    /// Save images to a tar file
    Save(SaveArgs),
    /// Load images from a tar file
    Load {
        #[arg(short = 'i', long = "input")]
        input: PathBuf,
    },
    /// Create an image from a root filesystem tarball
    Import(ImportArgs),
    /// Copy images to another engine: `images cp ENGINE::IMAGE... ENGINE::` (Podman's scp)
    Cp(CopyArgs),
    /// Search a registry
    Search(SearchArgs),
    /// Digest and platforms of a remote image, without pulling it
    RegistryData { reference: String },
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Show intermediate images too
    #[arg(short, long)]
    pub all: bool,
    #[arg(long)]
    pub digests: bool,
    /// dangling=true|false, label=k[=v], before=IMG, since=IMG, reference=PATTERN
    #[arg(short, long = "filter")]
    pub filters: Vec<String>,
    /// Only IDs
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    pub path: PathBuf,
    #[arg(short = 'f', long = "file")]
    pub dockerfile: Option<PathBuf>,
    #[arg(short = 't', long = "tag")]
    pub tags: Vec<String>,
    #[arg(long = "build-arg")]
    pub build_args: Vec<String>,
    #[arg(long)]
    pub target: Option<String>,
    #[arg(long = "label")]
    pub labels: Vec<String>,
    #[arg(long)]
    pub no_cache: bool,
    #[arg(long)]
    pub pull: bool,
    #[arg(long)]
    pub platform: Option<String>,
    #[arg(long)]
    pub network: Option<String>,
    /// Memory limit of the build's containers: bytes, or with a unit (512m, 4g)
    #[arg(short = 'm', long)]
    pub memory: Option<String>,
    /// CPU shares (relative weight) of the build's containers
    #[arg(short = 'c', long, value_parser = clap::value_parser!(i64).range(1..=i32::MAX as i64))]
    pub cpu_shares: Option<i64>,
    /// CPUs the build's containers may use (0-3, 0,1)
    #[arg(long)]
    pub cpuset_cpus: Option<String>,
    /// Size of /dev/shm in the build's containers (64m, 1g)
    #[arg(long)]
    pub shm_size: Option<String>,
    /// Images to take cache from; repeatable
    #[arg(long = "cache-from")]
    pub cache_from: Vec<String>,
    /// host:ip entries added to /etc/hosts in the build; repeatable
    #[arg(long = "add-host")]
    pub add_hosts: Vec<String>,
    /// classic, or buildkit (Docker, API 1.39+: RUN --mount, cached steps reported)
    #[arg(long, default_value = "classic", value_parser = ["classic", "buildkit"])]
    pub builder: String,
    /// Squash the new layers into one (classic builder, experimental daemons only)
    #[arg(long)]
    pub squash: bool,
    /// Only print what would be sent (files, bytes, ignored entries) and stop
    #[arg(long)]
    pub summary: bool,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    pub reference: String,
    #[arg(long)]
    pub platform: Option<String>,
    #[arg(short = 'a', long)]
    pub all_tags: bool,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    pub reference: String,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    #[arg(required = true)]
    pub references: Vec<String>,
    #[arg(short, long)]
    pub force: bool,
    #[arg(long)]
    pub no_prune: bool,
    /// With --force on Podman: also delete the containers made from the image (Podman's
    /// force does; without this flag Slipway refuses and lists them, as Docker keeps them)
    #[arg(long, requires = "force")]
    pub delete_containers: bool,
    /// Pin: never remove an image this pattern matches (name, repo, glob or ID); repeatable
    #[arg(long = "protect", value_name = "PATTERN")]
    pub protect: Vec<String>,
    /// Do not read the saved pins (`slipway-cli pins`) for this command, even if the pins file
    /// is damaged; --protect still holds
    #[arg(long)]
    pub ignore_pins: bool,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// All unused images, not only dangling ones
    #[arg(short, long)]
    pub all: bool,
    /// until=DURATION|TIMESTAMP, label=k[=v], label!=k[=v]
    #[arg(long = "filter")]
    pub filters: Vec<String>,
    /// Only images created before this: a duration (24h, 90m) or a unix timestamp
    #[arg(long)]
    pub until: Option<String>,
    /// Keep the newest N tags of each repository (with --all)
    #[arg(long, value_name = "N")]
    pub keep: Option<u32>,
    /// Pin: never prune an image this pattern matches (name, repo, glob or ID); repeatable
    #[arg(long = "protect", value_name = "PATTERN")]
    pub protect: Vec<String>,
    /// Do not read the saved pins (`slipway-cli pins`) for this command, even if the pins file
    /// is damaged; --protect still holds
    #[arg(long)]
    pub ignore_pins: bool,
    /// Save the images to this tar first; if saving fails nothing is deleted
    #[arg(long, value_name = "FILE")]
    pub save_to: Option<PathBuf>,
    /// List what would go (and what stays, and why) and the bytes it would free; delete nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct SaveArgs {
    #[arg(required = true)]
    pub references: Vec<String>,
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    /// Sources `ENGINE::IMAGE` (ENGINE = an address such as unix:///path/docker.sock or a name
    /// from `engines ls`; empty or left out = the current engine), then the destination `ENGINE::`
    #[arg(required = true, num_args = 2.., value_name = "SOURCE... DEST")]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    pub reference: Option<String>,
    /// Dockerfile instruction to apply, e.g. 'CMD ["/bin/sh"]'
    #[arg(short = 'c', long = "change")]
    pub changes: Vec<String>,
    #[arg(short = 'm', long)]
    pub message: Option<String>,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    pub term: String,
    #[arg(long)]
    pub limit: Option<i32>,
    /// is-official=true, stars=N
    #[arg(short, long = "filter")]
    pub filters: Vec<String>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    pub registry: String,
    #[arg(short = 'u', long)]
    pub username: String,
    /// Read the password from standard input
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct BuilderPruneArgs {
    /// Bytes of cache to keep
    #[arg(long)]
    pub keep_storage: Option<i64>,
    #[arg(short, long)]
    pub all: bool,
    #[arg(long)]
    pub until: Option<String>,
    /// Show what would be removed and the bytes; remove nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stall_timeout_defaults_to_120_s_and_refuses_zero() {
        let cli = Cli::try_parse_from(["slipway-cli", "engine"]).unwrap();
        assert_eq!(cli.stall_timeout, 120);
        let cli = Cli::try_parse_from(["slipway-cli", "images", "ls", "--stall-timeout", "5"]);
        assert_eq!(cli.unwrap().stall_timeout, 5);
        assert!(Cli::try_parse_from(["slipway-cli", "--stall-timeout", "0", "engine"]).is_err());
    }
}
