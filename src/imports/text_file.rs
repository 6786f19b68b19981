//! Reading CSV and text files: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's
//! "Unicode text"), or Windows-1252 when the bytes are not UTF-8; delimiter from an Excel
//! `sep=` first line, else the most frequent of `,` `;` or tab on the first line that has
//! any; quoted fields may hold line breaks; blank rows skipped. The header is then looked
//! for among the top rows ([`Sheet::find_header`]).

use encoding_rs::Encoding;

use super::encoding::Decoded;

/// Why a file cannot be read, in words for the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the file is empty")]
    Empty,
    #[error("the file has a header line but no rows")]
    NoRows,
    #[error("the file has more than {0} rows")]
    TooManyRows(u64),
    #[error("the file is not a text or CSV file")]
    NotText,
    #[error("the file could not be read as CSV: {0}")]
    Malformed(String),
    /// An XLSX or ODS file (a zip) that would unpack to more than the limit: a zip bomb
    /// or a sheet too large to take in.
    #[error("the spreadsheet unpacks to more than {0} bytes")]
    TooLarge(u64),
    #[error("the spreadsheet could not be read ({0})")]
    Corrupt(String),
    /// The sheet asked for is not in the workbook: its name, and the workbook's sheets.
    #[error("the workbook has no sheet named \"{0}\" (its sheets: {list})", list = .1.join(", "))]
    NoSuchSheet(String, Vec<String>),
    /// Text that decodes to garbage in every likely encoding; the closest one named.
    #[error("the text does not read correctly in any usual encoding (closest: {0})")]
    Garbled(String),
    /// The encoding the admin forced cannot be the file's (UTF-16 without a single NUL
    /// byte: every line break would hold one); the encoding named.
    #[error("the file is not in {0}, the encoding chosen: let it be detected, or choose another")]
    NotInForcedEncoding(String),
}

/// One data row, numbered as a spreadsheet shows it (the header is row 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub number: usize,
    pub cells: Cells,
}

/// A row's cells, packed in one string with where each ends: a file of a million rows
/// is held whole while it is planned, and a `Vec<String>` per row cost five allocations
/// of a row of four cells, some 150 MB more at that size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cells {
    text: Box<str>,
    /// The end of each cell in `text`, in bytes.
    ends: Box<[u32]>,
}

impl Cells {
    /// The cell in column `index` (from 0), None past the last.
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = index.checked_sub(1).map_or(0, |before| self.ends[before] as usize);
        Some(&self.text[start..end])
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The cells in column order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).filter_map(|index| self.get(index))
    }

    /// The cells as separate strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

impl<S: AsRef<str>> FromIterator<S> for Cells {
    fn from_iter<I: IntoIterator<Item = S>>(cells: I) -> Cells {
        let mut text = String::new();
        let mut ends = Vec::new();
        for cell in cells {
            text.push_str(cell.as_ref());
            // A cell past 4 GB cannot come: uploads are limited far below.
            ends.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
        }
        Cells {
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }
}

impl<const N: usize> PartialEq<[&str; N]> for Cells {
    fn eq(&self, other: &[&str; N]) -> bool {
        self.len() == N && self.iter().zip(other).all(|(cell, other)| cell == *other)
    }
}

impl std::ops::Index<usize> for Cells {
    type Output = str;

    /// The cell in column `index`; panics past the last, as a slice does.
    fn index(&self, index: usize) -> &str {
        self.get(index).expect("a cell within the row")
    }
}

/// A sheet: its header cells and its non-blank rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// The text encoding a CSV/text file was read with; None for spreadsheets.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// A workbook's sheets, and which was read; empty for CSV/text files.
    pub sheets: Vec<SheetInfo>,
    /// The row number of `headers` as the spreadsheet shows it.
    pub header_row: usize,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

/// One sheet of a workbook (`ImportSheet`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SheetInfo {
    pub name: String,
    /// Hidden or very hidden in the workbook.
    pub hidden: bool,
    /// The sheet the import read.
    pub read: bool,
}

impl Sheet {
    /// Moves the header down to the first of the top rows in which `recognised` finds
    /// known columns (titles, notes and blank lines above it are dropped); the header
    /// stays the first row when none does. Returns the header's row number; data rows
    /// keep the spreadsheet's numbers.
    pub fn find_header(&mut self, recognised: impl Fn(&[String]) -> usize) -> usize {
        if recognised(&self.headers) > 0 {
            return self.header_row;
        }
        let found = self
            .rows
            .iter()
            .take_while(|row| row.number <= HEADER_SEARCH_ROWS)
            .position(|row| recognised(&row.cells.to_vec()) > 0);
        let Some(index) = found else { return self.header_row };
        let mut below = self.rows.split_off(index);
        let header = below.remove(0);
        self.headers = header.cells.iter().map(|h| h.trim().to_owned()).collect();
        self.header_row = header.number;
        self.rows = below;
        header.number
    }
}

/// Text of a file, whatever Excel or LibreOffice wrote it in, unless it is binary.
pub fn decode(bytes: &[u8], forced: Option<&'static Encoding>) -> Result<Decoded, ReadError> {
    // Binary data (a zip, an image) is full of NULs and control characters.
    let binary = |text: &str| {
        text.chars()
            .take(4096)
            .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            .count()
            > 8
    };
    match super::encoding::decode(bytes, forced) {
        Ok(decoded) if binary(&decoded.text) => Err(ReadError::NotText),
        Err(ReadError::Garbled(_)) if binary(&encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0) => {
            Err(ReadError::NotText)
        }
        other => other,
    }
}

/// Excel's delimiter hint, a first line `sep=;` (any one character): the delimiter, and
/// the text after that line (Excel hides it: the next line is the spreadsheet's row 1).
pub fn split_sep_line(text: &str) -> Option<(u8, &str)> {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let hint = first.trim_end_matches('\r').trim();
    let value = hint.get(..4).filter(|p| p.eq_ignore_ascii_case("sep="))?;
    let mut chars = hint[value.len()..].chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii() && c != '"' => Some((c as u8, rest)),
        _ => None,
    }
}

/// The delimiter: the most frequent of `;`, tab and `,` outside quotes on the first
/// line that has any (title or blank lines above the header may have none).
pub fn detect_delimiter(text: &str) -> u8 {
    text.split('\n')
        .take(HEADER_SEARCH_ROWS)
        .find_map(line_delimiter)
        .unwrap_or(b',')
}

/// How many rows from the top may hold the header (titles, notes, blanks above it).
pub const HEADER_SEARCH_ROWS: usize = 20;

fn line_delimiter(text: &str) -> Option<u8> {
    let mut counts = [(b';', 0usize), (b'\t', 0), (b',', 0)];
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            _ if !quoted => {
                for (delimiter, count) in counts.iter_mut() {
                    if c as u32 == u32::from(*delimiter) {
                        *count += 1;
                    }
                }
            }
            _ => {}
        }
    }
    counts
        .iter()
        .max_by_key(|(_, count)| *count)
        .filter(|(_, count)| *count > 0)
        .map(|(d, _)| *d)
}

/// Puts a lone delimiter on every empty line outside quotes: the csv reader drops empty
/// lines, but a spreadsheet shows each as a row, and row numbers must match it.
fn keep_empty_lines(text: &str, delimiter: u8) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut quoted = false;
    let mut line_empty = true;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted && line_empty => out.push(delimiter as char),
            _ => {}
        }
        if c == '\n' && !quoted {
            line_empty = true;
        } else if c != '\r' {
            line_empty = false;
        }
        out.push(c);
    }
    out
}

/// Reads a CSV or text file into a sheet, refusing more than `max_rows` data rows.
pub fn read_csv(bytes: &[u8], max_rows: u64, forced: Option<&'static Encoding>) -> Result<Sheet, ReadError> {
    let Decoded { text, encoding } = decode(bytes, forced)?;
    if text.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    let (delimiter, text) = match split_sep_line(&text) {
        Some((delimiter, rest)) => (delimiter, rest),
        None => (detect_delimiter(&text), text.as_str()),
    };
    let text = keep_empty_lines(text, delimiter);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let headers: Vec<String> = match records.next() {
        Some(Ok(record)) => record.iter().map(|h| h.trim().to_owned()).collect(),
        Some(Err(err)) => return Err(ReadError::Malformed(err.to_string())),
        None => return Err(ReadError::Empty),
    };
    let mut rows = Vec::new();
    for (index, record) in records.enumerate() {
        let record = record.map_err(|e| ReadError::Malformed(e.to_string()))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cells: Cells = record.iter().map(str::trim).collect();
        if rows.len() as u64 >= max_rows {
            return Err(ReadError::TooManyRows(max_rows));
        }
        rows.push(Row {
            number: index + 2,
            cells,
        });
    }
    if rows.is_empty() {
        return Err(ReadError::NoRows);
    }
    Ok(Sheet {
        encoding: Some(encoding),
        sheets: Vec::new(),
        header_row: 1,
        headers,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn packed_cells_read_back_as_given_empty_ones_included() {
        let cells: Cells = ["Zoé", "", "l'Hôte", "", "a;b\nc"].into_iter().collect();
        assert_eq!(cells.len(), 5);
        assert_eq!(cells.get(0), Some("Zoé"));
        assert_eq!(cells.get(1), Some(""), "an empty cell keeps its column");
        assert_eq!(cells.get(2), Some("l'Hôte"));
        assert_eq!(cells.get(4), Some("a;b\nc"));
        assert_eq!(cells.get(5), None, "past the last cell");
        assert_eq!(cells.to_vec(), ["Zoé", "", "l'Hôte", "", "a;b\nc"]);
        assert!(cells == ["Zoé", "", "l'Hôte", "", "a;b\nc"]);
        assert!(cells != ["Zoé", "", "l'Hôte", ""], "a shorter row differs");
        let none: Cells = std::iter::empty::<&str>().collect();
        assert!(none.is_empty() && none.get(0).is_none());
    }

    #[test]
    fn windows_1252_with_semicolons() {
        let sheet = read_csv(&fixture("cagette-adherents.csv"), 1_000, None).unwrap();
        assert_eq!(sheet.headers, ["Prénom", "Nom", "Email", "Email 2", "Téléphone"]);
        assert_eq!(sheet.rows[0].number, 2);
        assert_eq!(&sheet.rows[0].cells[0], "Théo");
        assert_eq!(&sheet.rows[0].cells[4], "0667910289", "phones keep their leading zero");
        assert!(sheet.rows.iter().any(|r| &r.cells[1] == "Brûlé"));
    }

    #[test]
    fn utf8_with_bom() {
        let sheet = read_csv(&fixture("club-membres.csv"), 1_000, None).unwrap();
        assert_eq!(
            sheet.headers[0], "Identifiant",
            "the BOM is not part of the first header"
        );
        assert_eq!(sheet.headers[2], "Prénom");
        assert_eq!(&sheet.rows[1].cells[4], "Mot de passe crypté");
    }

    #[test]
    fn utf16_tab_separated_as_excel_unicode_text() {
        let text = "Prénom\tNom\tEmail\r\nZoé\tÉtienne\tzoe@example.org\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let sheet = read_csv(&bytes, 10, None).unwrap();
        assert_eq!(sheet.headers, ["Prénom", "Nom", "Email"]);
        assert_eq!(sheet.rows[0].cells, ["Zoé", "Étienne", "zoe@example.org"]);
    }

    #[test]
    fn quoted_line_breaks_blank_rows_and_row_numbers() {
        let text = "name,note\n\"Anne\",\"line one\nline two\"\n,,\n\nBob,\"a, b\"\n";
        let sheet = read_csv(text.as_bytes(), 10, None).unwrap();
        assert_eq!(sheet.rows.len(), 2);
        assert_eq!(&sheet.rows[0].cells[1], "line one\nline two");
        assert_eq!(sheet.rows[1].cells, ["Bob", "a, b"]);
        assert_eq!(sheet.rows[0].number, 2);
        assert_eq!(
            sheet.rows[1].number, 5,
            "rows 3 (empty cells) and 4 (empty line) still count"
        );
    }

    #[test]
    fn delimiters_are_told_from_the_header() {
        assert_eq!(detect_delimiter("a;b;c\n1,5;2;3"), b';');
        assert_eq!(detect_delimiter("a,b,c"), b',');
        assert_eq!(detect_delimiter("a\tb\tc"), b'\t');
        assert_eq!(detect_delimiter("\"a;x\",b,c"), b',', "quoted delimiters do not count");
        assert_eq!(detect_delimiter("single"), b',');
        assert_eq!(
            detect_delimiter("Liste des adhérents\r\n\r\nPrénom;Nom, dit;Email\r\n"),
            b';',
            "a title and a blank line without delimiters are passed over"
        );
    }

    #[test]
    fn excel_sep_hints_give_the_delimiter_and_are_dropped() {
        assert_eq!(split_sep_line("sep=;\r\nEmail;Nom\r\n"), Some((b';', "Email;Nom\r\n")));
        assert_eq!(split_sep_line("SEP=|\nEmail|Nom"), Some((b'|', "Email|Nom")));
        assert_eq!(split_sep_line("sep=,"), Some((b',', "")));
        for not_a_hint in ["sep=;;\nx", "sep=\nx", "separator=;\nx", "Email;Nom\nsep=;", "sep=é\nx"] {
            assert_eq!(split_sep_line(not_a_hint), None, "{not_a_hint:?}");
        }
        let sheet = read_csv(b"sep=;\r\nEmail;Nom\r\na@b.org;A, B\r\n", 10, None).unwrap();
        assert_eq!(sheet.headers, ["Email", "Nom"]);
        assert_eq!(sheet.rows[0].cells, ["a@b.org", "A, B"]);
        assert_eq!(sheet.rows[0].number, 2, "numbered as Excel shows the file");
    }

    #[test]
    fn the_header_is_the_first_top_row_with_known_columns() {
        let mut sheet = read_csv("Titre\n\nNote: à jour\nEmail,Nom\na@b.org,A\n".as_bytes(), 10, None).unwrap();
        let header = sheet.find_header(|cells| cells.iter().filter(|c| *c == "Email").count());
        assert_eq!(header, 4);
        assert_eq!(sheet.headers, ["Email", "Nom"]);
        assert_eq!(sheet.rows.len(), 1);
        assert_eq!(sheet.rows[0].number, 5);
        // Beyond the top twenty rows a header is not looked for.
        let far = format!("{}Email\na@b.org\n", "note\n".repeat(25));
        let mut sheet = read_csv(far.as_bytes(), 100, None).unwrap();
        assert_eq!(
            sheet.find_header(|cells| cells.iter().filter(|c| *c == "Email").count()),
            1
        );
        assert_eq!(sheet.headers, ["note"]);
    }

    #[test]
    fn bad_files_get_clear_errors() {
        assert_eq!(read_csv(b"", 10, None), Err(ReadError::Empty));
        assert_eq!(read_csv(b"  \r\n ", 10, None), Err(ReadError::Empty));
        assert_eq!(read_csv(b"email;name\r\n", 10, None), Err(ReadError::NoRows));
        assert_eq!(read_csv(b"e\n1\n2\n3\n", 2, None), Err(ReadError::TooManyRows(2)));
        assert_eq!(
            read_csv(&fixture("amapress-utilisateurs.xlsx"), 10, None),
            Err(ReadError::NotText),
            "a zip is not text"
        );
        let noise: Vec<u8> = (0..2048u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        assert!(read_csv(&noise, 10, None).is_err());
    }
}
