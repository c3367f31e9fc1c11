//! The English sentence of every error kind: the one place Slipway's English error text is
//! written, for the CLI, the JSON `message` and logs. (The app's UI translates the kind
//! itself, from its own catalogue.)

use super::kind::{
    ErrorKind, Operation, PathPurpose, PatternProblem, Peer, ReferenceProblem, TarCut,
};
use std::fmt;

/// " (detail)" or nothing.
fn paren(detail: Option<&str>) -> String {
    detail.map(|d| format!(" ({d})")).unwrap_or_default()
}

/// ": detail" or nothing.
fn colon(detail: Option<&str>) -> String {
    detail.map(|d| format!(": {d}")).unwrap_or_default()
}

impl ErrorKind {
    /// The sentence, with the engine's raw `detail` (if any) where it reads best.
    pub fn english(&self, detail: Option<&str>) -> String {
        use ErrorKind::*;
        let (p, c) = (paren(detail), colon(detail));
        match self {
            NoEngine { tried } => {
                let tried: Vec<String> = tried
                    .iter()
                    .map(|a| format!("{} ({})", a.host, a.error.message))
                    .collect();
                format!(
                    "No container engine answered. Tried: {}. Start Docker or Podman, or pass --host / set DOCKER_HOST.",
                    tried.join("; ")
                )
            }
            NoSocket { path } => format!("There is no socket at {path}."),
            EngineDidNotAnswer { host } => format!("The engine at {host} did not answer{c}"),
            EngineAddressUnusable { host } => format!("Cannot use the engine address {host}{c}"),
            EngineAddressNotUnderstood { host } => format!(
                "The engine address \"{host}\" is not understood. Use unix:///path, tcp://host:port or ssh://user@host."
            ),
            NoCertPath => "DOCKER_CERT_PATH is not set and there is no HOME.".into(),
            NotConnected => "No container engine is connected.".into(),
            LostEngine { host } => format!("Lost the connection to {host}; reconnecting…"),
            EngineUnreachable { host } => {
                format!("The engine at {host} cannot be reached{p}; it may have stopped.")
            }
            ConnectTimeout {
                operation,
                host,
                seconds,
            } => format!(
                "{operation}: the engine at {host} did not accept a connection within {seconds} s."
            ),
            HeadersTimeout {
                operation,
                host,
                seconds,
            } => format!(
                "{operation}: the engine at {host} did not answer within {seconds} s (the stall timeout); it may be frozen or overloaded."
            ),
            ConnectionBroke { operation, host } => format!(
                "{operation}: the connection to the engine at {host} broke before the answer was complete{p}; the engine may have stopped."
            ),
            EngineNotHttp { operation, host } => format!(
                "{operation}: what answered at {host} does not speak HTTP{p}; is it a container engine?"
            ),
            EngineUnreadable { host } => {
                format!("The engine at {host} sent data Slipway could not read{c}")
            }
            UnreadableAnswer => format!("The engine sent data Slipway could not read{c}"),
            EngineStopped { operation, host } => format!(
                "{operation}: the engine at {host} stopped answering{p}; it may have stopped."
            ),
            EngineSlow { operation, host } => {
                format!("{operation}: the engine at {host} did not answer in time{p}.")
            }
            EngineTimeout => format!(
                "The engine did not answer in time{p}. It may be busy; try again or raise the timeout."
            ),
            EngineConnectionFailed => format!("The connection to the engine failed{c}"),
            RawUnsupported { host } => format!("Raw requests are not made to {host}."),
            Stalled {
                operation,
                peer,
                seconds,
            } => format!(
                "{operation} stalled: {peer} sent nothing for {seconds} s (the stall timeout); it may be frozen or overloaded."
            ),
            Cancelled { operation } => format!("{operation} was cancelled."),
            Unexpected => format!("Something unexpected went wrong in Slipway{c}"),

            NothingToSave => "Name at least one image to save.".into(),
            TarCutShort(TarCut { host, bytes }) => format!(
                "the engine at {host} sent {bytes} bytes that stop before the end of the tar; nothing was saved."
            ),
            NothingLoaded { path } => format!(
                "the engine did not say it loaded an image, so {path} held none it could load."
            ),
            ImportWithoutId => "the engine did not say which image it imported.".into(),
            NotAFileName { path } => format!("{path} is not a file name."),
            FolderMissing { path } => format!("The folder {path} does not exist."),
            NoSpace { path } => {
                format!("No space left while writing {path}{p}; nothing was saved.")
            }
            CannotWrite { path } => format!("Cannot write {path}{p}; nothing was saved."),
            CannotRead { path } => format!("Cannot read {path}{c}"),
            NotARegularFile { path } => format!("{path} is not a regular file."),
            EmptyFile { path } => {
                format!("{path} is empty (0 bytes): there is no image in it.")
            }
            UnreadableContextFile { path } => {
                format!("The build context file {path} cannot be read{p}.")
            }
            FileExists { path } => format!("{path} exists; it was not replaced."),
            FolderNotFile { path } => {
                format!("{path} is a folder, not a regular file: choose a file.")
            }
            NamedPipe { path } => {
                format!("{path} is a named pipe (FIFO), not a regular file: choose a file.")
            }
            SocketFile { path } => {
                format!("{path} is a socket, not a regular file: choose a file.")
            }
            DeviceFile { path } => {
                format!("{path} is a device, not a regular file: choose a file.")
            }
            NoDockerfileAt { path } => format!("No Dockerfile at {path}{c}"),
            OutsideContext { path, context } => format!(
                "{path} is outside the build context {context} and not named like a Dockerfile \
                 (Dockerfile, Containerfile, NAME.Dockerfile, Dockerfile.NAME): Slipway does not read it."
            ),
            DockerfileTooBig { path, bytes, limit } => format!(
                "{path} is {bytes} bytes: too big to be a Dockerfile (at most {limit})."
            ),
            DockerfileNotText { path } => {
                format!("{path} is not text (not UTF-8): not a Dockerfile.")
            }

            PulledImageMissing => {
                format!("it finished, but the engine has no image of it now{c}")
            }
            PushWithoutDigest { host } => format!(
                "the engine at {host} ended the push without the registry's digest, so it did not finish."
            ),
            RegistryHasNoImage { registry } => {
                format!("the registry {registry} has no such image{p}")
            }
            RegistryUnreachable { registry } => {
                format!("the registry {registry} could not be reached{p}")
            }
            CredentialsRefused { registry } => format!(
                "the registry {registry} refused the credentials{p}; log in with the right user and password."
            ),
            RegistrySlow { registry } => {
                format!("the registry {registry} did not answer in time{p}.")
            }
            RegistryNeedsLogin {
                registry,
                repository,
            } => format!("The registry {registry} refused to list {repository}: log in first."),
            NotInRegistry {
                registry,
                repository,
            } => format!("{repository} is not in the registry {registry}."),
            RegistryAnswered { registry, status } => {
                format!("The registry {registry} answered {status}{c}")
            }
            CredentialLookupFailed { registry } => {
                format!("Looking up the credentials for {registry} failed{c}")
            }
            CredentialHelperTimeout { registry, seconds } => format!(
                "The credential helper of your Docker config did not answer for {registry} within {seconds} s; fix or remove it (credsStore / credHelpers)."
            ),
            DockerConfigInvalid { path } => {
                format!("{path} is not valid JSON{p}; not touching it.")
            }
            CredentialHelperNotRun { program } => format!(
                "Your Docker config keeps credentials with {program}, which could not be run{p}; nothing was saved."
            ),
            CredentialHelperStuck { program } => {
                format!("{program} store did not finish{p}; nothing was saved.")
            }
            CredentialHelperFailed { program } => format!("{program} store failed{c}"),
            PasswordNotOnStdin => {
                "Pass the password on standard input with --password-stdin.".into()
            }

            ImageNotFound { image } => format!("No such image: {image}"),
            TagHasDigest { target } => {
                format!("\"{target}\" has a digest; a tag name cannot contain one.")
            }
            EmptySearch => "Type something to search for.".into(),
            NoSearchApi => format!(
                "the registry has no search API; registries that only follow the distribution spec do not offer one{p}"
            ),
            EmptyReference => "The image reference is empty.".into(),
            InvalidReference { input, problem } => {
                format!("\"{input}\" is not a valid image reference: {problem}.")
            }
            BadFilter { filter } => format!("The filter \"{filter}\" must look like key=value."),
            UnknownFilter { key, known } => {
                format!(
                    "Unknown filter \"{key}\". Use one of: {}.",
                    known.join(", ")
                )
            }
            FilterTakesBool { filter } => format!("The filter {filter} takes true or false."),
            FilterNeedsImage { filter } => {
                format!("The filter {filter} needs an image (a name or an ID).")
            }
            LabelWithoutKey { label } => format!(
                "The label filter \"{label}\" has no key: use label=KEY or label=KEY=VALUE."
            ),
            ReferenceFilterEmpty => "The filter reference= needs a name or a pattern, e.g. reference=busybox or reference=team/*.".into(),
            BadPattern { pattern, why } => {
                format!("The filter reference={pattern} is not a valid pattern: {why}.")
            }
            SearchLimit { limit } => format!("The search limit {limit} must be from 1 to 100."),
            BadDuration { value } => {
                format!("\"{value}\" is not a duration like 24h, 90m or 1h30m.")
            }
            DurationTooLong { value, hours } => format!(
                "\"{value}\" is too long a duration: the engine takes at most {hours}h (about 292 years)."
            ),
            BadUntil { value } => format!(
                "until=\"{value}\" is not a duration like 24h, 90m or 1h30m, nor a time (unix seconds, or 2006-01-02T15:04:05Z)."
            ),
            UntilTooFar { value } => {
                format!("until=\"{value}\" is too far in the future to be a unix time.")
            }
            UntilInFuture { value } => format!(
                "until=\"{value}\" is in the future: the build cache's records are all older."
            ),
            DryRunWithoutUntil => "builder-prune --dry-run does not apply --until yet: preview without it, or prune with it (the engine applies it).".into(),
            BadSearchFilter { filter } => {
                format!("The search filter \"{filter}\" must be is-official=… or stars=….")
            }
            StarsNotNumber { value } => {
                format!("The filter stars={value} takes a whole number of stars (0 or more).")
            }
            BadPruneFilter { filter } => {
                format!("The prune filter \"{filter}\" must be until=…, label=… or label!=….")
            }
            BadBuildArg { item } => {
                format!("The build argument \"{item}\" must look like KEY=VALUE.")
            }
            BadLabel { item } => format!("The label \"{item}\" must look like KEY=VALUE."),
            PruneIncomplete { count, images } => format!(
                "{count} of the previewed images {} not deleted: {}.",
                if *count == 1 { "was" } else { "were" },
                images.join(", ")
            ),

            ChoosePath { purpose } => format!("Choose {purpose}."),
            HomeNotSet => "HOME is not set, so ~ cannot be expanded.".into(),
            NotAbsolute { path } => {
                format!("{path} is not a full path: start it with / or ~/.")
            }
            IsAFolder { path } => {
                format!("{path} is a folder: add a file name such as images.tar.")
            }
            ParentMissing { path } => format!("The folder of {path} does not exist."),
            NotAFolder { path } => format!("{path} is not a folder."),
            StallTimeoutOutOfRange { seconds, min, max } => format!(
                "A stall timeout of {seconds} seconds is not possible: choose {min} to {max} seconds."
            ),
            ChoiceNotSaved => format!("Could not remember the engine choice{c}"),
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Operation::*;
        match self {
            Pull { reference } => write!(f, "Pulling {reference}"),
            Push { reference } => write!(f, "Pushing {reference}"),
            Save { images, path } => write!(f, "Saving {} to {path}", images.join(", ")),
            Load { path } => write!(f, "Loading {path}"),
            Import { path } => write!(f, "Importing {path}"),
            Build => f.write_str("The build"),
            Tag { source, target } => write!(f, "Tagging {source} as {target}"),
            Remove { image } => write!(f, "Removing {image}"),
            Search { term } => write!(f, "Searching for \"{term}\""),
            AskRegistry { reference } => write!(f, "Asking the registry about {reference}"),
            ListTags { repository } => write!(f, "Listing tags of {repository}"),
            Request { method, path } => write!(f, "{method} {path}"),
            Text { text } => f.write_str(text),
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Engine { host } => write!(f, "the engine at {host}"),
            Peer::Registry { registry } => write!(f, "the registry {registry}"),
        }
    }
}

impl fmt::Display for ReferenceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ReferenceProblem::*;
        match self {
            NameTooLong => f.write_str("the name is longer than 255 characters"),
            FullNameTooLong { length, start } => write!(
                f,
                "the name is longer than 255 characters in full ({length} as {start}…)"
            ),
            PortNotNumber { port } => write!(
                f,
                "the registry port \"{port}\" is not a number from 0 to 65535"
            ),
            BadHost { host } => write!(f, "the registry \"{host}\" is not a valid host name"),
            BadNamePart { part } => write!(
                f,
                "the name part \"{part}\" may only use lowercase letters, digits and single '.', '_', '__' or '-' between them"
            ),
            EmptyNamePart => {
                f.write_str("a name part is empty (two '/' in a row, or one at an end)")
            }
            TagBadStart { tag } => {
                write!(
                    f,
                    "the tag \"{tag}\" must start with a letter, digit or '_'"
                )
            }
            TagTooLong { tag } => write!(f, "the tag \"{tag}\" is longer than 128 characters"),
            TagBadChars { tag } => write!(
                f,
                "the tag \"{tag}\" may only use letters, digits, '_', '.' and '-'"
            ),
            BadDigest { digest } => write!(
                f,
                "the digest \"{digest}\" must look like sha256:<64 hex digits>"
            ),
        }
    }
}

impl fmt::Display for PatternProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PatternProblem::LoneBackslash => "it ends with a lone '\\'",
            PatternProblem::UnclosedClass => "a '[' is never closed by ']'",
            PatternProblem::BadClass => "a '[…]' class is empty or has a '-' or ']' out of place",
        })
    }
}

impl fmt::Display for PathPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use PathPurpose::*;
        match self {
            SaveFile => f.write_str("a file to save to"),
            LoadFile => f.write_str("a tar file to load"),
            ImportFile => f.write_str("a tarball to import"),
            ContextFolder => f.write_str("a build context folder"),
            Dockerfile => f.write_str("a Dockerfile"),
            Other { text } => f.write_str(text),
        }
    }
}
