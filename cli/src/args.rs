//! The command line: every command, flag and help text (clap derive).

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};
use fiks_integrasjon_mock::FaultSpec;

/// The exit codes, as the top-level `--help` and the README list them.
macro_rules! exit_codes {
    () => {
        "Exit codes:\n\
        \x20 0  success\n\
        \x20 1  the Fiks API answered an error (its fields and errorId on stderr)\n\
        \x20 2  usage or configuration error\n\
        \x20 3  certificate error (unreadable, wrong password, expired, key mismatch, self-signed)\n\
        \x20 4  Maskinporten refused the token request\n\
        \x20 5  network, TLS or timeout"
    };
}

/// Where configuration comes from, for the top-level `--help`.
macro_rules! config_help {
    () => {
        "Configuration:\n\
        \x20 --config FILE, else $FIKS_CONFIG, else ./fiks.toml when present; FIKS_<KEY> environment\n\
        \x20 variables override the file, and --set KEY=VALUE overrides both. Keys: environment, issuer,\n\
        \x20 scopes, certificate, certificate_password, private_key, key_id, audience, token_endpoint,\n\
        \x20 resource, consumer_org, on_behalf_of, pid, integrasjon_id, integrasjon_passord,\n\
        \x20 fiks_base_url, person_token, ca_file, timeout_seconds, connect_timeout_seconds,\n\
        \x20 refresh_ahead_seconds, max_retries, retry_deadline_seconds.\n\
        \x20 Prefer FIKS_CERTIFICATE_PASSWORD / FIKS_INTEGRASJON_PASSORD over --set for secrets: flags\n\
        \x20 are visible to other users in the process list."
    };
}

/// Examples for the top-level `--help`.
macro_rules! main_examples {
    () => {
        "Examples:\n\
        \x20 fiks-integrasjon demo                          # the whole flow against a built-in mock\n\
        \x20 fiks-integrasjon mock --dir ./mock             # a local Maskinporten + Fiks API\n\
        \x20 fiks-integrasjon --config ./mock/fiks.toml token\n\
        \x20 fiks-integrasjon headers | curl -H @- https://api.fiks.test.ks.no/...\n\
        \x20 fiks-integrasjon call POST /innsyn-sok/api/v1/sok --data '{\"sok\": \"byggesak\"}'\n\
        \x20 fiks-integrasjon cert-info --set certificate=virksomhet.p12"
    };
}

/// `fiks-integrasjon`: act as a KS Fiks-platform integrasjon from the shell.
#[derive(Debug, Parser)]
#[command(
    name = "fiks-integrasjon",
    version,
    about = "Maskinporten tokens, Fiks headers and Fiks API calls for a KS Fiks integrasjon",
    long_about = "Maskinporten tokens, Fiks headers and Fiks API calls for a KS Fiks integrasjon.\n\n\
        Gets a Maskinporten access token with a virksomhetssertifikat, prints the three Fiks headers \
        (Authorization, IntegrasjonId, IntegrasjonPassord), calls Fiks REST APIs and shows their errors \
        readably. `mock` runs a strict local Maskinporten + Fiks API and `demo` walks the whole flow \
        against it. Logs go to stderr: -v (the library's info), -vv (its debug), -vvv (everything), \
        RUST_LOG (EnvFilter syntax; added to -v). Colour only on a \
        terminal, never with NO_COLOR.",
    after_help = concat!(main_examples!(), "\n\n", config_help!(), "\n\n", exit_codes!()),
    propagate_version = true
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Configuration file (TOML) [default: $FIKS_CONFIG, else ./fiks.toml when present]
    #[arg(long, short = 'c', global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Set a configuration key; overrides the file and FIKS_<KEY> variables (repeatable)
    #[arg(long = "set", global = true, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// More logs on stderr: -v the library's info (tokens, retries, failures), -vv its debug, -vvv
    /// everything incl. the HTTP stack (RUST_LOG alone without -v, added to it with -v)
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a Maskinporten access token
    #[command(
        long_about = "Print a Maskinporten access token.\n\n\
            Signs a grant with the virksomhetssertifikat, sends it to Maskinporten and prints the access \
            token alone on one line (or, with --json, {access_token, token_type, expires_in, scope}). \
            This command exists to print a secret: keep its output out of logs.",
        after_help = concat!(
            "Examples:\n",
            "  fiks-integrasjon token\n",
            "  fiks-integrasjon token --scope ks:fiks --scope difitest:test2 --json\n",
            "  TOKEN=$(fiks-integrasjon --config fiks.toml token)\n",
            "\n",
            "Exit codes: 0 success, 2 usage/configuration, 3 certificate, 4 Maskinporten refused, 5 network/TLS/timeout"
        )
    )]
    Token(TokenArgs),
    /// Print the three Fiks headers as `Name: value` lines
    #[command(
        long_about = "Print the three Fiks headers as `Name: value` lines: Authorization (Bearer token), \
            IntegrasjonId and IntegrasjonPassord, ready for curl (`-H @-`) or httpie. \
            This command exists to print secrets: keep its output out of logs.\n\n\
            --integrasjon NAME prints the headers of a `[integrasjoner.NAME]` table of the \
            configuration (a municipality's integrasjon) instead of `integrasjon_id`/`integrasjon_passord`; \
            the token is the same, since one Maskinporten identity speaks for all of them. An unknown \
            NAME exits 2 and lists the configured names. --json prints the three headers alone (the \
            IntegrasjonId says which integrasjon).\n\n\
            The three headers are the same for every Fiks service (`fiks`, `svarut`, `[services]`) and \
            this command sends nothing: --service NAME only checks that the service exists (exit 2 \
            listing the services when not). With curl, send the headers only to a service's base URL; \
            `call --service` does that for you.",
        after_help = concat!(
            "Examples:\n",
            "  fiks-integrasjon headers | curl -H @- -d @sok.json $FIKS_URL/innsyn-sok/api/v1/sok\n",
            "  fiks-integrasjon headers | sed 's/: /:/' | xargs -d '\\n' http POST $FIKS_URL/sok sok=byggesak\n",
            "  fiks-integrasjon headers --json\n",
            "  fiks-integrasjon headers --integrasjon bergen     # the headers of [integrasjoner.bergen]\n",
            "\n",
            "Exit codes: 0 success, 2 usage/configuration, 3 certificate, 4 Maskinporten refused, 5 network/TLS/timeout"
        )
    )]
    Headers(HeadersArgs),
    /// Call a Fiks API with the Fiks headers and print the answer
    #[command(
        long_about = "Call a Fiks API, like httpie: sends METHOD to PATH_OR_URL (a path joined to \
            `fiks_base_url`, or a full URL on the same host) with the Fiks headers, and prints the \
            answer's body on stdout (pretty JSON when it is JSON and stdout is a terminal; a text \
            body that lacks a trailing newline gets one, unless --raw). A Fiks error is shown readably \
            on stderr (status, message, errorCode, errorJson and the errorId KS support asks for) and \
            exits with 1.\n\n\
            --json prints exactly one JSON document on stdout, for scripts: {\"status\", \"headers\" \
            (lower-case names, repeated ones joined with \", \"), \"body\"} on success, where body is the \
            parsed JSON when the answer is JSON, else its text (with \"body_base64\" too when the bytes are \
            not UTF-8); on any failure {\"error\": {kind, problem, message, hint, exit_code, config_key, \
            http_status, transient, retry_after, response_headers, oauth, fiks, ...}}. The exit code is \
            the same as without --json, and stderr still has the readable message.\n\n\
            -i/--include prints the status line (`HTTP 200 OK`) and the response headers, then an empty \
            line, then the body. For a Fiks error answer only the headers the library keeps \
            (Retry-After, Location, WWW-Authenticate) are known.\n\n\
            --service NAME joins PATH onto another service's base URL: `fiks` is `fiks_base_url` (the \
            default), `svarut` is KS SvarUt of the `environment` preset, and others come from the \
            configuration's `[services]` table (NAME = \"https://base/url\"); the Fiks headers go to \
            those bases only. An unknown NAME exits 2 and lists the services; with a full URL, leave \
            --service out. --integrasjon NAME speaks as the integrasjon of `[integrasjoner.NAME]` \
            instead of `integrasjon_id`/`integrasjon_passord` (an unknown NAME exits 2 and lists the \
            names).\n\n\
            -F/--form sends a multipart/form-data body in curl's -F syntax (repeatable; the parts go \
            in the order given, --form-json ones included): NAME=TEXT is a text field, sent exactly as \
            written (no `;type=` parsing, so JSON and `;` are safe in it); \
            NAME=@FILE[;type=MIME][;filename=NAME] is a file part streamed from disk, never read whole \
            (application/octet-stream and the file's own name unless given; quote a path holding `;` \
            as @\"a;b.pdf\"); NAME=<FILE[;type=MIME] is a field holding the file's content. \
            --form-json NAME=JSON|@FILE|@- adds a JSON part (Content-Type: application/json, no file \
            name), the way SvarUt takes its `forsendelse`; curl's -F 'NAME=<FILE;type=application/json' \
            does the same from a file. Every file is checked before anything is sent, and JSON parts \
            must parse. The library sets the Content-Type (multipart/form-data with its boundary), so \
            a Content-Type --header is refused with a form; --data and --form do not mix.\n\n\
            With --json the document also has \"request\": {method, service, url, integrasjon, \
            integrasjon_id, parts}: the service name, the URL the path resolved to (null when the call \
            failed before that), the --integrasjon NAME (null for the default), the IntegrasjonId sent \
            and the number of multipart parts.",
        after_help = concat!(
            "Examples:\n",
            "  fiks-integrasjon call POST /innsyn-sok/api/v1/sok --data '{\"sok\": \"byggesak\"}'\n",
            "  fiks-integrasjon call POST /innsyn-sok/api/v1/sok --data @sok.json\n",
            "  echo '{\"sok\": \"byggesak\"}' | fiks-integrasjon call POST /innsyn-sok/api/v1/sok --data @-\n",
            "  fiks-integrasjon call GET /status/404            # against the mock: a Fiks error, exit 1\n",
            "  fiks-integrasjon call PUT /tjeneste/api/v1/x -d @doc.xml -H 'Content-Type: application/xml'\n",
            "  fiks-integrasjon call GET /status/404 --json | jq -r .error.fiks.error_id\n",
            "  fiks-integrasjon call -i GET /echo              # status line and headers, then the body\n",
            "  fiks-integrasjon call --raw GET /dokument/42 > dokument.pdf\n",
            "  fiks-integrasjon call --service svarut POST /tjenester/api/forsendelse/v1/sendForsendelse \\\n",
            "      --form-json forsendelse=@forsendelse.json -F 'filer=@vedtak.pdf;type=application/pdf'\n",
            "  fiks-integrasjon call -F tittel=Vedtak -F 'fil=@a.pdf;filename=vedtak.pdf' POST /echo/multipart\n",
            "  fiks-integrasjon call --integrasjon bergen GET /echo   # as [integrasjoner.bergen]\n",
            "\n",
            "Exit codes: 0 success, 1 the Fiks API answered an error, 2 usage/configuration, 3 certificate, 4 Maskinporten refused, 5 network/TLS/timeout"
        )
    )]
    Call(CallArgs),
    /// Describe the configured certificate and check it
    #[command(
        name = "cert-info",
        long_about = "Describe the configured virksomhetssertifikat: subject, orgnr, issuer, serial, \
            validity and days left, chain length, whether the key matches the certificate and whether \
            it is self-signed (Maskinporten rejects those). Works on expired and mismatched \
            certificates too: it reports, then exits 3. Fewer than 30 days left is a warning. \
            Needs only `certificate` (and its password or `private_key`).",
        after_help = concat!(
            "Examples:\n",
            "  fiks-integrasjon cert-info\n",
            "  FIKS_CERTIFICATE_PASSWORD=... fiks-integrasjon cert-info --set certificate=virksomhet.p12\n",
            "  fiks-integrasjon cert-info --json | jq .days_left\n",
            "\n",
            "Exit codes: 0 usable (maybe with a warning), 2 usage/configuration, 3 unreadable, wrong password, expired, not yet valid, key mismatch, or self-signed under an `environment` preset"
        )
    )]
    CertInfo(CertInfoArgs),
    /// Run the local mock Maskinporten + Fiks API until stopped
    #[command(
        long_about = "Run the strict local mock of Maskinporten and a Fiks API on 127.0.0.1 until \
            stopped (Ctrl-C or SIGTERM). Writes its test PKI (virksomhet.p12, chain.pem, key.pem, \
            ca.pem, ...) and a ready fiks.toml into DIR and prints how to use them. Without --dir \
            the files go to a temporary directory that is removed when the mock stops.\n\n\
            A second port stands in for SvarUt: the same Fiks API under /svarut and nothing else \
            (fiks.toml names it as `services.svarut`). Besides the default integrasjon the mock \
            accepts --extra-integrasjoner more (ids 00000000-0000-4000-8000-000000000001 ..., \
            passwords mock-passord-1 ...), the first three named kommune-1 ... kommune-3 in \
            fiks.toml (`[integrasjoner.NAME]`, for --integrasjon NAME).",
        after_help = concat!(
            "Examples:\n",
            "  fiks-integrasjon mock --dir ./mock\n",
            "  fiks-integrasjon mock --port 8088 --fault token:503 --fault fiks:429:2*3\n",
            "  fiks-integrasjon mock --dir ./mock --pki ./mock-pki.json --token-lifetime 600 --issuer min-klient\n",
            "  fiks-integrasjon mock --port 8088 --svarut-port 8089 --extra-integrasjoner 10\n",
            "  fiks-integrasjon --config ./mock/fiks.toml call GET /status/404   # in another shell\n",
            "\n",
            "Faults: TARGET:MODE[*N] with TARGET token or fiks and MODE a 5xx status, 429, 429:SECS, delay:Ns, delay:Nms, garbage, html502, drop or none. *N applies it to the next N requests (default 1); a bare * to every request.\n",
            "\n",
            "Configuration: the mock is a server, so client configuration does not apply to it. `--set` takes only the keys it can honour: issuer, integrasjon_id, integrasjon_passord, person_token (the same as the flags; a flag wins); any other key is refused (exit 2). --config is refused too; FIKS_CONFIG and other FIKS_<KEY> variables are ignored (a note on stderr says so).\n",
            "\n",
            "Exit codes: 0 stopped, 2 usage (bad flag, port in use, DIR not writable)"
        )
    )]
    Mock(MockArgs),
    /// Walk the whole flow against an in-process mock (no network, no files)
    #[command(
        long_about = "Walk the whole flow against a mock started in-process, printing each step: \
            certificate loaded, grant built, token received, headers, a search call, a deliberately \
            failing call with its parsed Fiks error, and a second token served from the cache. \
            Needs no network and no files, and takes a second or two. Exits non-zero when a step \
            does not behave as expected, so it doubles as a smoke test.",
        after_help = concat!(
            "Examples:\n",
            "  cargo run --release -p fiks-integrasjon-cli -- demo\n",
            "  NO_COLOR=1 fiks-integrasjon demo > demo.txt\n",
            "\n",
            "Exit codes: 0 every step behaved as expected; otherwise the code of the failing step (1 for a check that failed without an error)"
        )
    )]
    Demo,
}

/// `token`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Ask for this scope instead of the configured `scopes` (repeatable)
    #[arg(long = "scope", short = 's', value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Delegation: a token for this organisation (`consumer_org`, 9 digits)
    #[arg(long, value_name = "ORGNR")]
    pub consumer_org: Option<String>,
    /// An end-user-restricted token (`pid`, 11 digits)
    #[arg(long, value_name = "FNR")]
    pub pid: Option<String>,
    /// An audience-restricted token (`resource`, repeatable)
    #[arg(long, value_name = "URL")]
    pub resource: Vec<String>,
    /// A rich authorization request (JSON): Altinn systembruker or samtykke, e.g.
    /// '[{"type":"urn:altinn:systemuser","systemuser_org":{"authority":"iso6523-actorid-upis","ID":"0192:910000001"}}]'
    #[arg(long, value_name = "JSON")]
    pub authorization_details: Option<String>,
    /// Print {access_token, token_type, expires_in, scope} as JSON
    #[arg(long)]
    pub json: bool,
}

/// `headers`.
#[derive(Debug, Args)]
pub struct HeadersArgs {
    /// Print the headers as one JSON object
    #[arg(long)]
    pub json: bool,
    /// Speak as the integrasjon of the configuration's `[integrasjoner.NAME]` table instead of
    /// `integrasjon_id`/`integrasjon_passord` (the same token: one Maskinporten identity)
    #[arg(long, value_name = "NAME")]
    pub integrasjon: Option<String>,
    /// The headers are for this service (`fiks`, `svarut` or one of `[services]`): refused when
    /// there is no such service; the headers are the same for every service, and may go to its
    /// base URL only (`call --service` sends to it)
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
}

/// `call`.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// HTTP method: GET, POST, PUT, PATCH, DELETE, ...
    #[arg(value_name = "METHOD")]
    pub method: String,
    /// A path joined to `fiks_base_url` (/innsyn-sok/api/v1/sok) or to --service's base URL, or a
    /// full URL under one of them
    #[arg(value_name = "PATH_OR_URL")]
    pub path: String,
    /// The body: JSON text, @FILE to read a file, or @- to read stdin
    #[arg(long, short = 'd', value_name = "JSON|@FILE|@-", conflicts_with_all = ["forms", "form_json"])]
    pub data: Option<String>,
    /// A multipart/form-data part, like curl -F (repeatable, sent in the order given):
    /// NAME=TEXT a text field (TEXT as written); NAME=@FILE[;type=MIME][;filename=NAME] a file
    /// streamed from disk; NAME=<FILE[;type=MIME] a field holding the file's content
    #[arg(long = "form", short = 'F', value_name = "NAME=VALUE|NAME=@FILE|NAME=<FILE")]
    pub forms: Vec<String>,
    /// A JSON part (`Content-Type: application/json`, no file name), e.g. SvarUt's
    /// `forsendelse`: JSON text, @FILE or @- (checked to be JSON; repeatable, in order with --form)
    #[arg(long = "form-json", value_name = "NAME=JSON|NAME=@FILE|NAME=@-")]
    pub form_json: Vec<String>,
    /// The service PATH is relative to: `fiks` (`fiks_base_url`, the default), `svarut`
    /// (with an `environment` preset), or a name of the configuration's `[services]` table
    #[arg(long, value_name = "NAME")]
    pub service: Option<String>,
    /// Speak as the integrasjon of the configuration's `[integrasjoner.NAME]` table instead of
    /// `integrasjon_id`/`integrasjon_passord`
    #[arg(long, value_name = "NAME")]
    pub integrasjon: Option<String>,
    /// The --form and --form-json values in the order given (filled in after parsing).
    #[arg(skip)]
    pub parts: Vec<FormArg>,
    /// An extra request header, `Name: value` (repeatable)
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Pretty-print a JSON answer (or the --json document) even when stdout is not a terminal
    #[arg(long, conflicts_with = "raw")]
    pub pretty: bool,
    /// Print one JSON document: {status, headers, body, request} on success, {"error": {...},
    /// request} on failure
    #[arg(long, conflicts_with_all = ["include", "raw"])]
    pub json: bool,
    /// Print the status line and the response headers before the body (like curl -i)
    #[arg(long, short = 'i')]
    pub include: bool,
    /// Write the body exactly as received: no pretty-printing, no added trailing newline
    #[arg(long)]
    pub raw: bool,
}

/// One `--form` or `--form-json` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormArg {
    /// `--form NAME=…`.
    Form(String),
    /// `--form-json NAME=…`.
    Json(String),
}

impl CallArgs {
    /// Puts the `--form` and `--form-json` values into [`CallArgs::parts`] in command-line
    /// order (clap keeps each flag's values apart; their indices say how they interleave).
    pub fn order_parts(&mut self, matches: Option<&clap::ArgMatches>) {
        let indices = |id: &str| -> Vec<usize> {
            matches.and_then(|m| m.indices_of(id)).map(Iterator::collect).unwrap_or_default()
        };
        let mut tagged: Vec<(usize, FormArg)> = Vec::new();
        let (forms, jsons) = (indices("forms"), indices("form_json"));
        for (i, v) in self.forms.iter().enumerate() {
            tagged.push((forms.get(i).copied().unwrap_or(usize::MAX), FormArg::Form(v.clone())));
        }
        for (i, v) in self.form_json.iter().enumerate() {
            tagged.push((jsons.get(i).copied().unwrap_or(usize::MAX), FormArg::Json(v.clone())));
        }
        // A stable sort: without indices the --form values come first, each flag in its order.
        tagged.sort_by_key(|(i, _)| *i);
        self.parts = tagged.into_iter().map(|(_, p)| p).collect();
    }
}

/// `cert-info`.
#[derive(Debug, Args)]
pub struct CertInfoArgs {
    /// Print the description as JSON
    #[arg(long)]
    pub json: bool,
}

/// `mock`.
#[derive(Debug, Args)]
pub struct MockArgs {
    /// Port on 127.0.0.1 (0 picks a free one)
    #[arg(long, short = 'p', default_value_t = 0, value_name = "N")]
    pub port: u16,
    /// Port on 127.0.0.1 of the SvarUt stand-in, the Fiks API under /svarut (0 picks a free one)
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub svarut_port: u16,
    /// How many integrasjoner to accept besides the default one (the first three are named
    /// kommune-1 ... kommune-3 in fiks.toml)
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub extra_integrasjoner: usize,
    /// Where to write the test PKI and fiks.toml (kept) [default: a temporary directory, removed at exit]
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Inject a fault, TARGET:MODE[*N] (repeatable; see below)
    #[arg(long = "fault", value_name = "TARGET:MODE")]
    pub faults: Vec<FaultSpec>,
    /// Serve HTTPS with a certificate from the mock CA (fiks.toml then carries `ca_file`)
    #[arg(long)]
    pub tls: bool,
    /// The Maskinporten client id grants must carry in `iss` [default: the mock's]
    #[arg(long, value_name = "ID")]
    pub issuer: Option<String>,
    /// The Fiks integrasjon id (`IntegrasjonId`) the mock accepts [default: the mock's]
    #[arg(long, value_name = "UUID")]
    pub integrasjon_id: Option<String>,
    /// The integrasjon password (`IntegrasjonPassord`) the mock accepts [default: the mock's]
    #[arg(long, value_name = "PASSWORD")]
    pub integrasjon_passord: Option<String>,
    /// The citizen's ID-porten token the mock's Fiks API accepts in integrasjon-person mode
    /// [default: the mock's]
    #[arg(long, value_name = "TOKEN")]
    pub person_token: Option<String>,
    /// `expires_in` of the access tokens the mock issues [default: 120]
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub token_lifetime: Option<u64>,
    /// Delay every token answer by this many milliseconds (injected faults excepted)
    #[arg(long, value_name = "MS")]
    pub token_delay_ms: Option<u64>,
    /// Keep the PKI in FILE: load it when it exists, else generate one and save it there (mode
    /// 0600), so a restarted mock keeps the certificates clients already have
    #[arg(long, value_name = "FILE")]
    pub pki: Option<PathBuf>,
}
