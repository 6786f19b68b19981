//! Writing sheets people open in Excel or LibreOffice: CSV (UTF-8 with BOM so Excel
//! reads accents right) and XLSX. A cell a spreadsheet would run as a formula is
//! neutralised: in CSV with a leading apostrophe, in XLSX as a quote-prefixed text cell.

use std::io::Write;

use rust_xlsxwriter::{Format, Note, Workbook};

use crate::error::{Error, Result};

/// A column of a written sheet.
#[derive(Debug, Clone)]
pub struct Column {
    pub header: String,
    /// Shown in bold in XLSX (italic otherwise).
    pub required: bool,
    /// What the column takes; an XLSX note on the header.
    pub note: String,
}

/// Would a spreadsheet read this cell as a formula (or a command, for CR and tab)?
pub fn is_formula_like(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// The cell as written in CSV: prefixed with `'` when formula-like.
pub fn neutralise(cell: &str) -> String {
    if is_formula_like(cell) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// Undoes [`neutralise`] when reading a cell back (an export re-imported changes nothing).
pub fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if is_formula_like(rest) => rest,
        _ => cell,
    }
}

/// CSV bytes: UTF-8 BOM, the header line, then the rows, all cells neutralised.
pub fn csv(headers: &[String], rows: &[Vec<String>], delimiter: u8) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut sheet = SheetWriter::csv(&mut out, headers, delimiter)?;
    for row in rows {
        sheet.row(row)?;
    }
    sheet.finish()?;
    Ok(out)
}

/// XLSX bytes: as [`SheetWriter::xlsx`] writes them.
pub fn xlsx(sheet_name: &str, columns: &[Column], rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut sheet = SheetWriter::xlsx(&mut out, sheet_name, columns)?;
    for row in rows {
        sheet.row(row)?;
    }
    sheet.finish()?;
    Ok(out)
}

/// A sheet written row by row in constant memory: CSV goes to `out` as it is written;
/// XLSX rows go to a temporary file, and the zipped workbook to `out` at [`finish`].
///
/// [`finish`]: SheetWriter::finish
pub enum SheetWriter<W: Write + Send> {
    Csv(Box<csv::Writer<W>>),
    Xlsx(Box<XlsxSheet<W>>),
}

/// The state of an XLSX sheet being written.
pub struct XlsxSheet<W> {
    workbook: Workbook,
    out: W,
    /// The next row to write (0 is the header).
    line: u32,
    /// Widest cell of each column so far, in characters.
    widths: Vec<usize>,
    text: Format,
    quoted: Format,
}

impl<W: Write + Send> SheetWriter<W> {
    /// A CSV sheet: the UTF-8 BOM (so Excel reads accents right) and the header line.
    pub fn csv(mut out: W, headers: &[String], delimiter: u8) -> Result<Self> {
        out.write_all(&[0xEF, 0xBB, 0xBF]).map_err(internal)?;
        let mut writer = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        writer.write_record(headers).map_err(internal)?;
        Ok(SheetWriter::Csv(Box::new(writer)))
    }

    /// An XLSX sheet: headers bold (required) or italic (optional) with a note each,
    /// frozen; every cell text so nothing is reinterpreted, widths fitted to the content.
    pub fn xlsx(out: W, sheet_name: &str, columns: &[Column]) -> Result<Self> {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet_with_constant_memory().map_err(internal)?;
        sheet.set_name(sheet_name).map_err(internal)?;
        let required = Format::new().set_bold();
        let optional = Format::new().set_italic();
        for (index, column) in columns.iter().enumerate() {
            let col = index as u16;
            let format = if column.required { &required } else { &optional };
            sheet
                .write_string_with_format(0, col, &column.header, format)
                .map_err(internal)?;
            if !column.note.is_empty() {
                let note = Note::new(&column.note).add_author_prefix(false);
                sheet.insert_note(0, col, &note).map_err(internal)?;
            }
        }
        sheet.set_freeze_panes(1, 0).map_err(internal)?;
        Ok(SheetWriter::Xlsx(Box::new(XlsxSheet {
            workbook,
            out,
            line: 1,
            widths: columns.iter().map(|c| c.header.chars().count()).collect(),
            text: Format::new().set_num_format("@"),
            quoted: Format::new().set_num_format("@").set_quote_prefix(),
        })))
    }

    /// Writes one row, every cell neutralised.
    pub fn row(&mut self, cells: &[String]) -> Result<()> {
        match self {
            SheetWriter::Csv(writer) => writer
                .write_record(cells.iter().map(|cell| neutralise(cell)))
                .map_err(internal),
            SheetWriter::Xlsx(xlsx) => xlsx.row(cells),
        }
    }

    /// Ends the sheet: flushes the CSV, or zips the workbook into `out`.
    pub fn finish(self) -> Result<()> {
        match self {
            SheetWriter::Csv(mut writer) => writer.flush().map_err(internal),
            SheetWriter::Xlsx(xlsx) => xlsx.finish(),
        }
    }
}

impl<W: Write + Send> XlsxSheet<W> {
    fn row(&mut self, cells: &[String]) -> Result<()> {
        let sheet = self.workbook.worksheet_from_index(0).map_err(internal)?;
        for (c, cell) in cells.iter().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let format = if is_formula_like(cell) {
                &self.quoted
            } else {
                &self.text
            };
            sheet
                .write_string_with_format(self.line, c as u16, cell, format)
                .map_err(internal)?;
            if let Some(width) = self.widths.get_mut(c) {
                *width = (*width).max(cell.chars().count());
            }
        }
        self.line += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        let sheet = self.workbook.worksheet_from_index(0).map_err(internal)?;
        for (c, width) in self.widths.iter().enumerate() {
            sheet
                .set_column_width(c as u16, (*width as f64 + 2.0).min(60.0))
                .map_err(internal)?;
        }
        self.workbook.save_to_writer(&mut self.out).map_err(internal)?;
        self.out.flush().map_err(internal)
    }
}

fn internal(err: impl std::fmt::Display) -> Error {
    Error::Internal(format!("writing a sheet: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_read_back() {
        for cell in ["=1+1", "+33 6 12 34 56 78", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(cell).starts_with('\''), "{cell:?}");
            assert_eq!(unneutralise(&neutralise(cell)), cell);
        }
        assert_eq!(neutralise("Dupont"), "Dupont");
        assert_eq!(unneutralise("l'Hôte"), "l'Hôte", "an apostrophe of a name stays");
        assert_eq!(unneutralise("'quoted"), "'quoted");
    }

    #[test]
    fn csv_has_a_bom_the_delimiter_and_quotes_where_needed() {
        let headers = vec!["Nom".to_owned(), "Groupes".to_owned()];
        let rows = vec![vec!["=HYPERLINK(\"x\")".to_owned(), "A; B".to_owned()]];
        let bytes = csv(&headers, &rows, b';').unwrap();
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert_eq!(&bytes[..3], [0xEF, 0xBB, 0xBF]);
        assert_eq!(text, "Nom;Groupes\r\n\"'=HYPERLINK(\"\"x\"\")\";\"A; B\"\r\n");
    }

    #[test]
    fn xlsx_is_a_zip_with_the_cells() {
        let columns = vec![
            Column {
                header: "email".into(),
                required: true,
                note: "An address".into(),
            },
            Column {
                header: "phone".into(),
                required: false,
                note: String::new(),
            },
        ];
        let bytes = xlsx("Members", &columns, &[vec!["a@x.org".into(), "0612345678".into()]]).unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"));
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let names: Vec<String> = (0..archive.len())
            .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("xl/comments")),
            "header notes: {names:?}"
        );
        let mut sheet = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut sheet).unwrap();
        assert!(sheet.contains("<t>0612345678</t>"), "phones stay text: {sheet}");
        assert!(sheet.contains("<col "), "widths fitted after the rows: {sheet}");
        assert!(sheet.contains("<pane "), "the header is frozen: {sheet}");
    }
}
