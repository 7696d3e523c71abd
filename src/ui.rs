//! The web app (wasm32 only): Yew components, state and URL sync. The only layer that touches the DOM, the URL or
//! the clipboard. Components read the shared [`state::AppState`] through a context and change it only by
//! dispatching [`state::UiAction`]s, which wrap the pure [`crate::core::action::Action`]s.

mod app;
mod chart_backend;
mod chart_canvas;
pub mod chart_message;
mod chart_spec;
mod chart_theme;
mod chart_worker;
mod chart_worker_scope;
mod charts_panel;
mod clipboard;
mod compare_panel;
mod conventions;
mod header;
mod import_drop;
mod insert_menu;
mod layer_list;
mod measured_load;
mod measured_panel;
mod node_editor;
mod node_item;
mod notice_bar;
mod perf;
mod settings_panel;
mod slider;
mod spec_text;
mod stage_row;
pub mod state;
mod summary_table;
mod table_row;
mod totals_bar;
pub mod url;
mod use_settled;
mod use_url_sync;

pub use app::{mount, App};
