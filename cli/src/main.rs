//! `fiks-integrasjon`: Maskinporten tokens, the Fiks headers and Fiks API calls from the shell,
//! plus a local mock and a demo of the whole flow.
//!
//! Exit codes: 0 success, 1 the Fiks API answered an error, 2 usage or configuration error,
//! 3 certificate error, 4 Maskinporten refused, 5 network/TLS/timeout.
#![forbid(unsafe_code)]

mod args;
mod client;
mod commands;
mod failure;
mod form;
mod json_output;
mod logging;
mod output;
mod settings;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::args::{Cli, Command};

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.format(&mut Cli::command()).exit());
    logging::init(cli.global.verbose);
    let result = match cli.command {
        Command::Token(a) => commands::token::run(&cli.global, &a),
        Command::Headers(a) => commands::headers::run(&cli.global, &a),
        Command::Call(mut a) => {
            // --form and --form-json interleave: their order comes from the matches.
            a.order_parts(matches.subcommand_matches("call"));
            commands::call::run(&cli.global, &a)
        }
        Command::CertInfo(a) => commands::cert_info::run(&cli.global, &a),
        Command::Mock(a) => commands::mock::run(&cli.global, &a),
        Command::Demo => commands::demo::run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            output::report(&f);
            ExitCode::from(f.code)
        }
    }
}
