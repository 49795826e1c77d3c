//! `selfbuilt serve`: the local page a township clerk uses instead of a terminal. A small
//! HTTP server (axum on tokio) bound to this computer, serving a page compiled into the
//! binary and a JSON API over a workspace folder (the township's desk: a folder per
//! round, the confirmed wordings, the roster). A round runs through `job::execute`, the
//! same function `selfbuilt run` calls, so the page and the command line write the same
//! files.
//!
//! Its parts, from the ground up: `workspace` (the folder), `upload` (files in), `events`
//! (live progress as server-sent events), `view` (what the page shows of a finished
//! round), `aliases` (confirm once), `packages` (zips out), `queue` (the rounds waiting
//! and running), `app` (the server's state, how rounds run), `runner` (one run at a
//! time, in order), `guard` (who may ask), `assets` (the page), `api` (the endpoints),
//! `routes` (the map, and `serve`).

pub mod aliases;
pub mod api;
pub mod app;
pub mod assets;
pub mod events;
pub mod guard;
pub mod packages;
pub mod queue;
pub mod routes;
pub mod runner;
pub mod upload;
pub mod view;
pub mod workspace;
