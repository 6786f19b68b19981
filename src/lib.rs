//! Roster: a multi-tenant GraphQL server for organizations' member lists.

pub mod account;
pub mod allocator;
pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod console;
pub mod downloads;
pub mod error;
pub mod exports;
pub mod graphql;
pub mod groups;
pub mod http;
pub mod imports;
pub mod invitations;
pub mod jobs;
pub mod mail;
pub mod members;
pub mod metrics;
pub mod pages;
pub mod server;
pub mod store;
pub mod stored;
pub mod tls;
pub mod values;
