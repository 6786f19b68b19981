//! Spreadsheet imports. So far: reading CSV and text files (any of the encodings and
//! delimiters Excel and LibreOffice write) and recognising their columns; planning,
//! applying, XLSX/ODS reading, templates and exports come with the imports capability.

pub mod columns;
pub mod read;
