//! The reference for Slipway's app lines in `make bench`: a Tauri 2 window showing one static
//! page and nothing else. Its launch → first paint and idle PSS are what Slipway is held to.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the empty Tauri app failed to start");
}
