//! The English sentence of every error kind: the one place Slipway's English error text is
//! written, for the CLI, the JSON `message` and logs. (The app's UI translates the kind
//! itself, from its own catalogue.)

use super::kind::ErrorKind;
use super::parts::{
    BuildLimit, Hint, IgnoreProblem, Operation, PathPurpose, PatternProblem, Peer,
    ReferenceProblem, TarCut,
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
            TlsFileUnreadable { host, path } => {
                format!("Cannot read the TLS file {path} for the engine at {host}{c}")
            }
            TlsFileInvalid { host, path } => {
                format!("The TLS file {path} for the engine at {host} is not usable{c}")
            }
            EngineWantsCertificate { host } => format!(
                "The engine at {host} wants a client certificate and Slipway has none to send{p}. Set DOCKER_CERT_PATH (cert.pem, key.pem) or give the engine its TLS files."
            ),
            EngineRefusedCertificate { host } => format!(
                "The engine at {host} refused Slipway's client certificate{p}: it is not signed by a CA the engine trusts."
            ),
            EngineCertificateUntrusted { host } => format!(
                "The certificate of the engine at {host} is not trusted{p}. Check the CA file (ca.pem), or skip verification on purpose."
            ),
            EngineWantsTls { host } => format!(
                "The engine at {host} speaks TLS{p}: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH, or use a Docker context with its TLS files."
            ),
            TlsHandshakeFailed { host } => {
                format!("The TLS handshake with the engine at {host} failed{p}; is it a TLS engine?")
            }
            EngineSettingsInvalid { path } => {
                format!("{path} is not a valid engine settings file{p}; skipped.")
            }
            UnknownEngine { name } => format!(
                "There is no engine named \"{name}\" (no Docker context or Podman connection of that name). See `slipway-cli engines ls`."
            ),
            EngineProbeTimeout { host, seconds } => {
                format!("The engine at {host} did not answer within {seconds} s.")
            }
            EngineNameEmpty => "An engine needs a name.".into(),
            EngineNameTaken { name } => {
                format!("An engine named \"{name}\" was already added by hand; choose another name.")
            }
            EngineNameInUse { name, host } => format!(
                "\"{name}\" is already the name of an engine Slipway found (a Docker context, Podman connection or socket at {host}); choose another name."
            ),
            NoManualEngine { name } => format!("No engine named \"{name}\" was added by hand."),
            ManualEnginesDamaged {
                path,
                kept_at,
                count,
            } => format!(
                "The file of engines added by hand, {path}, was damaged{p}; it is kept as {kept_at}, and {count} engine(s) could be kept from it."
            ),
            NotConnected => "No container engine is connected.".into(),
            LostEngine { host } => format!("Lost the connection to {host}; reconnecting…"),
            EngineUnreachable { host } => {
                format!("The engine at {host} cannot be reached{p}; it may have stopped.")
            }
            SshAuthRefused { host } => format!(
                "The ssh server of {host} refused the key (from the ssh agent or the connection's identity file){c}"
            ),
            SshHostKeyRejected { host } => format!(
                "The host key of {host} is not the one ssh knows for it; check ~/.ssh/known_hosts{c}"
            ),
            SshUnreachable { host } => format!("Cannot reach {host} over ssh{c}"),
            SshNoDocker { host } => format!(
                "Logged in to {host}, but `docker system dial-stdio` does not run there (is the docker CLI installed and on the PATH?){c}"
            ),
            SshFailed { host } => format!("ssh to {host} failed{c}"),
            SshTimeout { host, seconds } => format!(
                "ssh to {host} neither connected nor gave up within {seconds} s{c}"
            ),
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
            NothingCopied { destination } => format!(
                "the engine at {destination} did not say it loaded the images, so nothing was copied."
            ),
            CopiedImageMissing { image, destination } => format!(
                "the engine at {destination} said it loaded the copy, but {image} is not there."
            ),
            CopySourceNotUnderstood { argument } => format!(
                "{argument} is not a source to copy from: write ENGINE::IMAGE (an empty ENGINE is the current engine)."
            ),
            CopyDestinationNotUnderstood { argument } => format!(
                "{argument} is not a destination: write ENGINE:: (for example unix:///run/podman/podman.sock::)."
            ),
            CopyFromSeveralEngines { first, other } => format!(
                "One copy takes images from one engine, but the sources name {first} and {other}."
            ),
            CopyToItself { host } => format!(
                "The source and the destination are the same engine ({host}): nothing to copy."
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
            RegistryWantsLogin { registry } => format!(
                "the registry {registry} wants a login{p}; log in to it, then try again."
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
            CredentialHelperStuck { program, seconds } => {
                format!("{program} store did not finish within {seconds} s{p}; nothing was saved.")
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
            BadByteSize { flag, value } => format!(
                "{flag} \"{value}\" is not a size: give bytes or a number with a unit, like 512m or 4g."
            ),
            PruneIncomplete { count, images } => format!(
                "{count} of the previewed images {} not deleted: {}.",
                if *count == 1 { "was" } else { "were" },
                images.join(", ")
            ),

            ContextMissing { path } => format!("Build context {path} does not exist."),
            ContextUnopenable { path } => format!("Cannot open the build context {path}{c}."),
            ContextIsAFile { path } => format!(
                "Build context {path} is a file, not a folder. Pass the folder that holds the \
                 files to build from, and the Dockerfile separately if needed."
            ),
            ContextUnreadable { path } => format!("Cannot read the build context {path}{c}."),
            NoDockerfileInContext { path } => format!(
                "No Dockerfile in the build context: {path} does not exist. Add one, or pass the \
                 Dockerfile's path."
            ),
            DockerfileMissing { path, looked_at } => format!(
                "Dockerfile {path} does not exist (looked for {}).",
                looked_at.join(" and ")
            ),
            DockerfileUnresolvable { path } => format!("Cannot resolve the Dockerfile {path}{c}."),
            DockerfileUnreadable { path } => format!("Cannot read the Dockerfile {path}{c}."),
            DockerfileIsAFolder { path } => format!("Dockerfile {path} is a folder, not a file."),
            DockerfileNotRegular { path } => format!("Dockerfile {path} is not a regular file."),
            DockerfileEmpty { path } => format!("Dockerfile {path} is empty."),
            BadIgnorePattern {
                line,
                pattern,
                issue,
            } => format!("Invalid .dockerignore pattern on line {line}: \"{pattern}\": {issue}."),
            CannotList { path } => format!("Cannot list {path}{c}"),
            CannotReadLink { path } => format!("Cannot read the link {path}{c}"),
            ContextFileShrank { path } => {
                format!("{path} got shorter while it was being sent; try the build again.")
            }
            ContextPackingFailed => format!("Packing the build context failed{c}"),
            BuildLimitOutOfRange { resource } => {
                format!("The {resource} limit of a build must be above 0 and fit the engine's API.")
            }
            BuildKitUnavailable { peer } => format!(
                "{peer} cannot build with BuildKit (Podman has no BuildKit; Docker needs API 1.39 or later): build with the classic builder (--builder classic)."
            ),
            BuildWithoutId { peer } => format!(
                "The build ended without {peer} saying which image it made, so it did not finish."
            ),

            KeepNeedsAll => "\"Keep the newest N tags\" applies to tagged images: use it with \"all unused\".".into(),
            NothingTicked => "Tick at least one image to delete.".into(),
            PinnedSince { pattern } => format!("Pinned by \"{pattern}\"."),
            TaggedSince { tag } => format!("Tagged {tag} after the preview."),
            UsedSince { container } => format!("Used by container {container} since the preview."),
            CancelledBeforeRemoval => "Cancelled before it was removed.".into(),
            AlreadyGone => "Already gone.".into(),
            ImagePinned { image, pattern } => {
                format!("{image} is pinned by \"{pattern}\": unpin it to delete it.")
            }
            PruneStopped {
                asked,
                deleted,
                untagged,
                cause,
            } => {
                let mut done = format!("{} of {asked} images were deleted", deleted.len());
                if !deleted.is_empty() {
                    done.push_str(&format!(" ({})", deleted.join(", ")));
                }
                if !untagged.is_empty() {
                    done.push_str(&format!(", untagged: {}", untagged.join(", ")));
                }
                format!("The prune stopped: {done}; then {}", cause.message)
            }
            RemoveRefused { refusal, .. } => refusal.message.clone(),
            PinsDamaged {
                file,
                kept_at,
                recovered,
            } => {
                let recovered = if recovered.is_empty() {
                    "no pins could be recovered from it".to_owned()
                } else {
                    format!(
                        "{} pin{} recovered from it ({})",
                        recovered.len(),
                        if recovered.len() == 1 { "" } else { "s" },
                        recovered.join(", ")
                    )
                };
                format!(
                    "Clean-up and delete are off: the pins file {file} was damaged{p} and is kept as \
                     {kept_at}, {recovered}. Keep the recovered pins or start without them first."
                )
            }
            NoConfigFolder { variable } => {
                format!("No configuration folder for the pins: set {variable}.")
            }
            NotPinned { pattern } => format!("\"{pattern}\" is not pinned."),
            NoPinsDamage => "The pins file is readable: there is no damage to confirm.".into(),
            NotAPin { pattern } => format!(
                "\"{pattern}\" is not a pin: use a name (myapp, myapp:1.*, team/*) or an image ID."
            ),
            BadKeepStorage { bytes } => {
                format!("keep-storage={bytes} is not a number of bytes: use 0 or more.")
            }
            NoBuildCacheOnPodman => "Podman keeps no build cache of its own: its build steps are stored as images. Remove the unused ones with `images prune` (--all for tagged ones too).".into(),
            WithHint { cause, hint } => format!("{} {hint}", cause.message),

            FileLocked { path, millis } => format!(
                "Another Slipway process has held {path} for more than {:.1} seconds; try again.",
                f64::from(*millis) / 1000.0
            ),
            CannotCreateFolderFor { path } => {
                format!("Could not create the folder of {path}{c}")
            }
            CannotLock { path } => format!("Could not lock {path}{c}"),
            CannotKeepAside { path } => format!("Could not keep aside {path}{c}"),
            NoFreeNameAside { path } => {
                format!("Could not find a free name to keep {path} aside.")
            }

            TaskStoppedUnexpectedly => format!("The task stopped unexpectedly{c}"),
            NoDataFolder => format!("The app has no data folder{c}"),
            NoSettingsFolder => "The app has no settings folder.".into(),

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
            Copy {
                images,
                source,
                destination,
            } => write!(
                f,
                "Copying {} from {source} to {destination}",
                images.join(", ")
            ),
            Build => f.write_str("The build"),
            NothingBuilt => f.write_str("Nothing was built"),
            BuildFailed => f.write_str("The build failed"),
            BuildFailedAt { step } => write!(f, "The build failed at {step}"),
            ReadContext => f.write_str("Reading the build context"),
            File { path } => f.write_str(path),
            Delete { image } => write!(f, "Deleting {image}"),
            SaveBeforeDelete => f.write_str("Saving before deleting; nothing was deleted"),
            KeepStallTimeout => f.write_str("Could not keep the stall timeout"),
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

impl fmt::Display for IgnoreProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use IgnoreProblem::*;
        match self {
            ExceptionWithoutPattern => f.write_str("\"!\" must be followed by a pattern"),
            TrailingBackslash => f.write_str("a pattern cannot end with a backslash"),
            UnclosedClass => f.write_str("a character class is missing its closing \"]\""),
            ReversedRange { range } => write!(f, "the range \"{range}\" is reversed"),
            BadClass => f.write_str("invalid character class"),
            Glob { text } => f.write_str(text),
        }
    }
}

impl fmt::Display for BuildLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BuildLimit::Memory => "memory",
            BuildLimit::CpuShares => "CPU shares",
            BuildLimit::SharedMemory => "shared memory",
        })
    }
}

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Hint::PinsWayOut => {
                "Run `slipway-cli pins recover` to keep the recovered pins, \
                 `slipway-cli pins reset` to start without them, or add --ignore-pins to this command."
            }
            Hint::DeleteContainers => "Pass --delete-containers to delete them with the image.",
        })
    }
}
