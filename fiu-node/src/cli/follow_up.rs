//! The investigator's `follow-up request|respond|list`.

use clap::{Args, Subcommand, ValueEnum};
use fiu_proto::limits;
use fiu_proto::v1;
use tokio_stream::StreamExt;

use super::client::{self, ClientOpts, Table};
use super::{CliError, Outcome};
use crate::auth::Role;

/// `fiu-node follow-up`
#[derive(Debug, Args)]
pub struct FollowUpArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: FollowUpCommand,
}

/// The follow-up commands.
#[derive(Debug, Subcommand)]
pub enum FollowUpCommand {
    /// Ask the peer of a hit about the subject behind it (a signed request).
    Request(RequestArgs),
    /// Answer an incoming follow-up.
    Respond(RespondArgs),
    /// List (or watch) follow-ups, newest first.
    List(ListArgs),
}

/// `fiu-node follow-up request`
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// The hit's id (from `fiu-node hits`).
    #[arg(long = "hit", value_name = "ID")]
    pub hit_id: u64,
    /// Your case reference.
    #[arg(long = "case", value_name = "REF")]
    pub case_reference: String,
    /// The legal basis of the request.
    #[arg(long, value_name = "TEXT")]
    pub legal_basis: String,
    /// Why you ask.
    #[arg(long, value_name = "TEXT")]
    pub purpose: String,
}

/// `fiu-node follow-up respond`
#[derive(Debug, Args)]
pub struct RespondArgs {
    /// The incoming follow-up's id (from `fiu-node follow-up list`).
    #[arg(long, value_name = "ID")]
    pub id: String,
    /// The answer.
    #[arg(long, value_enum)]
    pub decision: DecisionArg,
    /// A message to the requesting investigator.
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub message: String,
    /// Send the per-token results (found / not found) to the requester; without it they are
    /// withheld. Never sent with a decline.
    #[arg(long)]
    pub disclose: bool,
}

/// Decisions on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DecisionArg {
    /// Accept the request.
    Accept,
    /// Decline it.
    Decline,
    /// Answer with a message.
    Respond,
}

/// `fiu-node follow-up list`
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this direction.
    #[arg(long, value_enum)]
    pub direction: Option<DirectionArg>,
    /// Only this state.
    #[arg(long, value_enum)]
    pub state: Option<StateArg>,
    /// Keep printing follow-ups as they are created or change state, until Ctrl-C.
    #[arg(long)]
    pub watch: bool,
}

/// Directions on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DirectionArg {
    /// Peers asked this node.
    Incoming,
    /// This node asked peers.
    Outgoing,
}

/// Follow-up states on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StateArg {
    /// Not delivered yet; retried.
    Pending,
    /// Delivered (outgoing) or received (incoming), not answered.
    Sent,
    /// Accepted.
    Accepted,
    /// Declined.
    Declined,
    /// Answered with a message.
    Responded,
    /// Failed.
    Failed,
    /// No token resolved at the receiver (a filter false positive).
    NotFound,
}

/// Runs a follow-up command.
pub async fn run(args: FollowUpArgs, opts: &ClientOpts) -> Result<Outcome, CliError> {
    match args.action {
        FollowUpCommand::Request(a) => {
            let req = opts.request(
                v1::RequestFollowUpRequest {
                    hit_id: a.hit_id,
                    case_reference: a.case_reference,
                    legal_basis: a.legal_basis,
                    purpose: a.purpose,
                },
                Role::Investigator,
            )?;
            let f = client::investigator(opts)
                .await?
                .request_follow_up(req)
                .await?
                .into_inner();
            print_one(opts, &f);
        }
        FollowUpCommand::Respond(a) => {
            let decision = match a.decision {
                DecisionArg::Accept => v1::Decision::Accept,
                DecisionArg::Decline => v1::Decision::Decline,
                DecisionArg::Respond => v1::Decision::Respond,
            };
            let req = opts.request(
                v1::RespondFollowUpRequest {
                    follow_up_id: a.id,
                    decision: decision as i32,
                    message: a.message,
                    disclose_results: a.disclose,
                },
                Role::Investigator,
            )?;
            let f = client::investigator(opts)
                .await?
                .respond_follow_up(req)
                .await?
                .into_inner();
            print_one(opts, &f);
        }
        FollowUpCommand::List(a) => list(opts, a).await?,
    }
    Ok(Outcome::Success)
}

async fn list(opts: &ClientOpts, a: ListArgs) -> Result<(), CliError> {
    let direction = match a.direction {
        None => v1::Direction::Unspecified,
        Some(DirectionArg::Incoming) => v1::Direction::Incoming,
        Some(DirectionArg::Outgoing) => v1::Direction::Outgoing,
    } as i32;
    let state = a
        .state
        .map_or(v1::FollowUpState::Unspecified, state_message) as i32;
    opts.user_name()?;
    let mut inv = client::investigator(opts).await?;
    if a.watch {
        let req = opts.request(
            v1::WatchFollowUpsRequest {
                direction,
                state,
                since: None,
            },
            Role::Investigator,
        )?;
        let mut stream = inv.watch_follow_ups(req).await?.into_inner();
        if !opts.json {
            eprintln!("watching follow-ups; Ctrl-C stops");
        }
        let stop = super::node::shutdown_signal();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => return Ok(()),
                item = stream.next() => match item {
                    Some(f) => {
                        let f = f?;
                        if opts.json {
                            client::print_json(&client::follow_up_json(&f));
                        } else {
                            println!("follow-up {}", row(&f).join("  "));
                        }
                    }
                    None => {
                        eprintln!("the node closed the stream");
                        return Ok(());
                    }
                },
            }
        }
    }
    let mut table = Table::new(&[
        "ID",
        "DIRECTION",
        "PEER",
        "STATE",
        "CASE",
        "UPDATED",
        "HIT / LOCAL REFS",
    ]);
    let mut page_token = String::new();
    loop {
        let req = opts.request(
            v1::ListFollowUpsRequest {
                direction,
                state,
                page: Some(v1::PageRequest {
                    page_size: limits::MAX_PAGE_SIZE,
                    page_token: page_token.clone(),
                }),
            },
            Role::Investigator,
        )?;
        let page = inv.list_follow_ups(req).await?.into_inner();
        for f in &page.follow_ups {
            if opts.json {
                client::print_json(&client::follow_up_json(f));
            } else {
                table.row(row(f));
            }
        }
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    if !opts.json {
        if table.is_empty() {
            println!("no follow-ups");
        } else {
            table.print();
        }
    }
    Ok(())
}

fn state_message(s: StateArg) -> v1::FollowUpState {
    match s {
        StateArg::Pending => v1::FollowUpState::Pending,
        StateArg::Sent => v1::FollowUpState::Sent,
        StateArg::Accepted => v1::FollowUpState::Accepted,
        StateArg::Declined => v1::FollowUpState::Declined,
        StateArg::Responded => v1::FollowUpState::Responded,
        StateArg::Failed => v1::FollowUpState::Failed,
        StateArg::NotFound => v1::FollowUpState::NotFound,
    }
}

fn row(f: &v1::FollowUp) -> Vec<String> {
    let what = if f.hit_id != 0 {
        format!("hit {}", f.hit_id)
    } else {
        f.local_refs.join(",")
    };
    vec![
        f.id.clone(),
        client::direction_word(f.direction).to_owned(),
        f.peer.clone(),
        client::state_word(f.state).to_owned(),
        f.case_reference.clone(),
        client::format_time(f.updated.as_ref()),
        what,
    ]
}

/// Prints one follow-up in full: the answer to `request` and `respond`.
fn print_one(opts: &ClientOpts, f: &v1::FollowUp) {
    if opts.json {
        client::print_json(&client::follow_up_json(f));
        return;
    }
    println!(
        "follow-up {} ({} with {}): {}",
        f.id,
        client::direction_word(f.direction),
        f.peer,
        client::state_word(f.state)
    );
    println!(
        "  case: {}\n  legal basis: {}\n  purpose: {}",
        f.case_reference, f.legal_basis, f.purpose
    );
    if f.hit_id != 0 {
        println!("  hit: {}", f.hit_id);
    }
    if !f.local_refs.is_empty() {
        println!("  local subjects: {}", f.local_refs.join(", "));
    }
    if !f.results.is_empty() {
        let mut t = Table::new(&["KEY KIND", "FINDING"]);
        for r in &f.results {
            t.row(vec![
                r.token
                    .as_ref()
                    .map(|t| t.key_kind.clone())
                    .unwrap_or_default(),
                client::finding_word(r.finding).to_owned(),
            ]);
        }
        for line in t.render().lines() {
            println!("  {line}");
        }
    }
    if !f.message.is_empty() {
        println!("  message: {}", f.message);
    }
    if !f.error.is_empty() {
        println!("  note: {}", f.error);
    }
}
