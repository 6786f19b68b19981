//! Roster's integration tests, one binary: each module starts the real app
//! (tests/api/support) and speaks GraphQL or HTTP to it as a client would.
//! One binary links once instead of once per file, which keeps CI's disk and
//! link time small.

mod support;

mod account_mail;
mod addresses;
mod cli;
mod console;
mod console_a11y;
mod console_imports;
mod console_journeys;
mod cors;
mod frontend_example;
mod groups;
mod http;
mod imports;
mod instances;
mod introspection;
mod invitations;
mod isolation;
mod mail_as_received;
mod members;
mod merge_audit;
mod pages;
mod playground;
mod privacy;
mod roundtrip;
mod schema;
mod self_service;
mod sessions;
mod tls;
