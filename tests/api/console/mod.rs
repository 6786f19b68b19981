//! The admin console over HTTP as a browser speaks it (cookies, forms, redirects), and
//! one journey in headless Chromium by visible labels; a module per part of the console.

mod addresses;
mod audit;
mod groups;
mod invitations;
mod member_list;
mod member_page;
mod sign_in;
