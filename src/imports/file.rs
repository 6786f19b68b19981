//! Reading any file an admin may send: the format is told from the content (never the
//! name), CSV and text go to `text_file`, XLSX / XLS / ODS through calamine (the first visible sheet).
//! Zip-based files are checked before calamine sees them: declared sizes first, then the
//! real inflated size with a cap, so a zip bomb ends in an error in a fraction of a
//! second instead of filling memory. Spreadsheet numbers keep their text form
//! (`0612345678` typed as text stays so, `12.0` reads `12`), dates read as ISO dates.

use std::io::{Cursor, Read, Seek};
use std::panic::{catch_unwind, AssertUnwindSafe};

use calamine::{Data, DataRef, ExcelDateTime, Ods, Range, Reader, Xls, Xlsx};

use super::display;
use super::text_file::{read_csv, ReadError, Row, Sheet, SheetInfo};

/// `FileFormat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Xls,
    Ods,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Xlsx => "XLSX",
            Format::Xls => "XLS",
            Format::Ods => "ODS",
        }
    }
}

/// Limits on what a file may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Data rows (the header excluded).
    pub max_rows: u64,
    /// Total inflated size of a zip-based spreadsheet.
    pub max_unpacked_bytes: u64,
}

/// Most entries a spreadsheet archive may have (real ones have a few dozen).
const MAX_ENTRIES: usize = 10_000;
const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The format of a file, from its first bytes and, for zips, the entries it holds.
pub fn detect_format(bytes: &[u8]) -> Format {
    if bytes.starts_with(&OLE_MAGIC) {
        return Format::Xls;
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Format::Csv;
    }
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        // A broken zip: reported as a spreadsheet that cannot be read.
        return Format::Xlsx;
    };
    if archive.index_for_name("xl/workbook.xml").is_some() {
        return Format::Xlsx;
    }
    let mut mimetype = String::new();
    if let Ok(entry) = archive.by_name("mimetype") {
        let _ = entry.take(200).read_to_string(&mut mimetype);
    }
    if mimetype.contains("opendocument.spreadsheet") || archive.index_for_name("content.xml").is_some() {
        return Format::Ods;
    }
    Format::Xlsx
}

/// Reads a file into a sheet, whatever its format; a CSV/text file in `encoding` when
/// given, else in the one detected.
pub fn read_file(bytes: &[u8], limits: &Limits, choice: &Choice) -> Result<(Format, Sheet), ReadError> {
    let format = detect_format(bytes);
    let sheet = match format {
        Format::Csv => read_csv(bytes, limits.max_rows, choice.encoding)?,
        Format::Xlsx | Format::Ods => {
            check_archive(bytes, limits.max_unpacked_bytes)?;
            guarded(|| {
                if format == Format::Xlsx {
                    read_xlsx(bytes, limits.max_rows, choice.sheet.as_deref())
                } else {
                    let mut book = Ods::new(Cursor::new(bytes)).map_err(corrupt)?;
                    chosen_range(&mut book, choice.sheet.as_deref(), limits.max_rows, |name| {
                        let texts = display::ods_number_texts(bytes, name);
                        // The saved text, when it is for this very value.
                        Box::new(move |at, value| texts.get(&at).filter(|(v, _)| *v == value).map(|(_, t)| t.clone()))
                    })
                }
            })?
        }
        Format::Xls => guarded(|| {
            check_xls_dimensions(bytes, limits.max_unpacked_bytes)?;
            let mut book = Xls::new(Cursor::new(bytes)).map_err(corrupt)?;
            chosen_range(&mut book, choice.sheet.as_deref(), limits.max_rows, |name| {
                let formats = display::xls_number_formats(bytes, name);
                Box::new(move |at, value| formats.get(&at).map(|code| shown_number(value, code)))
            })
        })?,
    };
    Ok((format, sheet))
}

/// What the admin chose about reading a file; the defaults detect and pick.
#[derive(Debug, Clone, Default)]
pub struct Choice {
    /// A CSV/text file's encoding; None: detected.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// A workbook's sheet, by name; None: the first visible one.
    pub sheet: Option<String>,
}

/// A workbook's sheets, and which one was read.
fn sheet_list(sheets: &[calamine::Sheet], read: &str) -> Vec<SheetInfo> {
    sheets
        .iter()
        .map(|s| SheetInfo {
            name: s.name.clone(),
            hidden: s.visible != calamine::SheetVisible::Visible,
            read: s.name == read,
        })
        .collect()
}

/// The sheet to read: the one named (compared case-insensitively), else the first
/// visible one; NoSuchSheet, listing them, when the name matches none.
fn pick_sheet(sheets: &[calamine::Sheet], wanted: Option<&str>) -> Result<String, ReadError> {
    match wanted {
        Some(wanted) => sheets
            .iter()
            .find(|s| s.name.trim().to_lowercase() == wanted.trim().to_lowercase())
            .map(|s| s.name.clone())
            .ok_or_else(|| ReadError::NoSuchSheet(wanted.to_owned(), sheets.iter().map(|s| s.name.clone()).collect())),
        None => first_visible_sheet(sheets).ok_or(ReadError::Empty),
    }
}

/// Refuses archives that unpack to more than `max` bytes: by the sizes they declare,
/// then by inflating each entry with a cap (declared sizes can lie).
fn check_archive(bytes: &[u8], max: u64) -> Result<(), ReadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(corrupt)?;
    if archive.len() > MAX_ENTRIES {
        return Err(ReadError::Corrupt(format!("more than {MAX_ENTRIES} parts")));
    }
    let mut declared: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(corrupt)?;
        declared = declared.saturating_add(entry.size());
    }
    if declared > max {
        return Err(ReadError::TooLarge(max));
    }
    let mut budget = max;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(corrupt)?;
        let inflated = std::io::copy(&mut entry.take(budget + 1), &mut std::io::sink()).map_err(corrupt)?;
        if inflated > budget {
            return Err(ReadError::TooLarge(max));
        }
        budget -= inflated;
    }
    Ok(())
}

/// calamine sizes its memory from what a sheet declares, before reading the cells: it
/// reserves room for every cell the DIMENSIONS record announces, then lays the cells out
/// densely over the rectangle from the first to the last position used. A few bytes can
/// make either billions (found by fuzzing: 9 GB and 137 GB from 8 KB files, and a failed
/// allocation aborts the whole server). Refuses workbooks where either would take more
/// than `max` bytes, with calamine's own arithmetic (0.38: `parse_dimensions`,
/// `parse_workbook`, `Range::from_sparse`).
/// Long on purpose: one pass over the BIFF records, mirroring calamine's own.
fn check_xls_dimensions(bytes: &[u8], max: u64) -> Result<(), ReadError> {
    const BOF: u16 = 0x0809;
    const DIMENSIONS: u16 = 0x0200;
    const MUL_RK: u16 = 0x00BD;
    /// Number, Label, RString, BoolErr, RK, LabelSst, MulRk, Formula: row and column first.
    const CELLS: [u16; 8] = [0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, MUL_RK, 0x0006];
    let cell_bytes = std::mem::size_of::<calamine::Cell<Data>>() as u64;
    let dense_bytes = std::mem::size_of::<Data>() as u64;
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(corrupt)?;
    let Some(stream) = ["/Workbook", "/Book"].into_iter().find(|name| file.is_stream(name)) else {
        return Ok(()); // calamine reports the missing stream
    };
    let mut workbook = Vec::new();
    file.open_stream(stream)
        .map_err(corrupt)?
        .take(bytes.len() as u64 * 2)
        .read_to_end(&mut workbook)
        .map_err(corrupt)?;
    // The rectangle of the positions used in the current sheet: rows and columns.
    let mut used: Option<((u32, u32), (u32, u32))> = None;
    let mut at = 0;
    while let Some(header) = workbook.get(at..at + 4) {
        let kind = u16::from_le_bytes([header[0], header[1]]);
        let len = u16::from_le_bytes([header[2], header[3]]) as usize;
        let Some(data) = workbook.get(at + 4..at + 4 + len) else {
            break;
        };
        at += 4 + len;
        let u16_at = |i: usize| u32::from(u16::from_le_bytes([data[i], data[i + 1]]));
        let u32_at = |i: usize| u32::from_le_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
        if kind == BOF {
            used = None;
        } else if CELLS.contains(&kind) && len >= 4 {
            let row = u16_at(0);
            // A MulRk record spans columns from its first to the one in its last 2 bytes.
            let last_of_run = (kind == MUL_RK && len >= 6).then(|| u16_at(len - 2));
            for col in std::iter::once(u16_at(2)).chain(last_of_run) {
                let ((r0, r1), (c0, c1)) = used.unwrap_or(((row, row), (col, col)));
                used = Some(((r0.min(row), r1.max(row)), (c0.min(col), c1.max(col))));
            }
            if let Some(((r0, r1), (c0, c1))) = used {
                let dense = u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1);
                if dense.saturating_mul(dense_bytes) > max {
                    return Err(ReadError::TooLarge(max));
                }
            }
        } else if kind == DIMENSIONS {
            let (first_row, row_end, mut first_col, col_end) = match len {
                10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
                14 | 16 => (u32_at(0), u32_at(4), u16_at(8), u16_at(10)),
                _ => continue, // calamine refuses it
            };
            if first_col > 0xFF || col_end < first_col {
                first_col = 0;
            }
            let (last_row, last_col) = if row_end >= 1 && col_end >= 1 {
                (row_end - 1, col_end - 1)
            } else {
                (first_row, first_col)
            };
            let rows = u64::from(last_row.wrapping_sub(first_row).wrapping_add(1));
            let cols = u64::from(last_col.wrapping_sub(first_col).wrapping_add(1));
            if rows.saturating_mul(cols).saturating_mul(cell_bytes) > max {
                return Err(ReadError::TooLarge(max));
            }
        }
    }
    Ok(())
}

/// Runs a calamine read; a panic inside the library on a malformed file becomes an error.
fn guarded(read: impl FnOnce() -> Result<Sheet, ReadError>) -> Result<Sheet, ReadError> {
    catch_unwind(AssertUnwindSafe(read)).unwrap_or_else(|_| Err(ReadError::Corrupt("malformed file".into())))
}

fn corrupt(err: impl std::fmt::Display) -> ReadError {
    let text: String = err.to_string().chars().take(200).collect();
    ReadError::Corrupt(text)
}

/// The text a workbook shows for the number at a position, when it differs from the
/// number as typed.
type NumberText<'a> = Box<dyn Fn(display::Position, f64) -> Option<String> + 'a>;

/// The chosen sheet of a workbook (ODS, XLS), read whole; `number_text` gives, from the
/// sheet's name, how its number cells are shown.
fn chosen_range<'a, RS, R>(
    book: &mut R,
    wanted: Option<&str>,
    max_rows: u64,
    number_text: impl FnOnce(&str) -> NumberText<'a>,
) -> Result<Sheet, ReadError>
where
    RS: Read + Seek,
    R: Reader<RS>,
    R::Error: std::fmt::Display,
{
    let name = pick_sheet(book.sheets_metadata(), wanted)?;
    let sheets = sheet_list(book.sheets_metadata(), &name);
    let range = book.worksheet_range(&name).map_err(corrupt)?;
    let mut sheet = from_range(&range, max_rows, number_text(&name))?;
    sheet.sheets = sheets;
    Ok(sheet)
}

/// The worksheet a person opening the workbook sees first: hidden and very hidden sheets
/// (the lists behind drop-downs, in many associations' templates) and chart sheets are
/// passed over; the first sheet when all are hidden.
fn first_visible_sheet(sheets: &[calamine::Sheet]) -> Option<String> {
    let is_worksheet = |s: &&calamine::Sheet| s.typ == calamine::SheetType::WorkSheet;
    sheets
        .iter()
        .filter(is_worksheet)
        .find(|s| s.visible == calamine::SheetVisible::Visible)
        .or_else(|| sheets.iter().find(is_worksheet))
        .or_else(|| sheets.first())
        .map(|s| s.name.clone())
}

/// Rows of a whole sheet (ODS, XLS), numbered as the spreadsheet shows them.
fn from_range(range: &Range<Data>, max_rows: u64, number_text: NumberText<'_>) -> Result<Sheet, ReadError> {
    let Some((first_row, first_column)) = range.start() else {
        return Err(ReadError::Empty);
    };
    let rows = range.rows().enumerate().map(|(i, cells)| {
        let row = first_row + i as u32;
        let texts = cells.iter().enumerate().map(|(j, cell)| {
            let at = (row, first_column + j as u32);
            let shown = match cell {
                Data::Float(f) => number_text(at, *f),
                Data::Int(n) => number_text(at, *n as f64),
                _ => None,
            };
            shown.map_or_else(|| data_text(cell), |text| text.trim().to_owned())
        });
        (row as usize + 1, texts.collect())
    });
    collect(rows, max_rows)
}

/// Rows of the first visible sheet of an XLSX, streamed so that the row limit stops the read.
fn read_xlsx(bytes: &[u8], max_rows: u64, wanted: Option<&str>) -> Result<Sheet, ReadError> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(corrupt)?;
    let name = pick_sheet(book.sheets_metadata(), wanted)?;
    let sheets = sheet_list(book.sheets_metadata(), &name);
    let mut cells = book.worksheet_cells_reader(&name).map_err(corrupt)?;
    // Each style's number format code, by style id ("General" when none).
    let formats: Vec<Option<String>> = cells
        .styles()
        .iter()
        .map(|style| style.number_format.as_ref().map(|f| f.format_code.clone()))
        .collect();
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    let mut filled = 0u64;
    while let Some((cell, style)) = cells.next_cell_with_style_id().map_err(corrupt)? {
        let (row, column) = cell.get_position();
        let format = formats.get(style).and_then(Option::as_deref);
        let text = match (cell.get_value(), format) {
            (DataRef::Float(f), Some(code)) => shown_number(*f, code),
            (DataRef::Int(n), Some(code)) => shown_number(*n as f64, code),
            (value, _) => data_ref_text(value),
        };
        if text.is_empty() {
            continue;
        }
        let number = row as usize + 1;
        if rows.last().is_none_or(|(n, _)| *n != number) {
            // The header and `max_rows` data rows; one more is too many.
            filled += 1;
            if filled > max_rows + 1 {
                return Err(ReadError::TooManyRows(max_rows));
            }
            rows.push((number, Vec::new()));
        }
        let (_, line) = rows.last_mut().expect("just pushed");
        let column = column as usize;
        if line.len() <= column {
            line.resize(column + 1, String::new());
        }
        line[column] = text;
    }
    let mut sheet = collect(rows.into_iter(), max_rows)?;
    sheet.sheets = sheets;
    Ok(sheet)
}

/// Header (the first non-blank row) and data rows, blank rows skipped.
fn collect(rows: impl Iterator<Item = (usize, Vec<String>)>, max_rows: u64) -> Result<Sheet, ReadError> {
    let mut rows = rows.filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()));
    let Some((header_row, headers)) = rows.next() else {
        return Err(ReadError::Empty);
    };
    let mut data = Vec::new();
    for (number, cells) in rows {
        if data.len() as u64 >= max_rows {
            return Err(ReadError::TooManyRows(max_rows));
        }
        data.push(Row {
            number,
            cells: cells.into_iter().collect(),
        });
    }
    if data.is_empty() {
        return Err(ReadError::NoRows);
    }
    Ok(Sheet {
        encoding: None,
        sheets: Vec::new(),
        header_row,
        headers,
        rows: data,
    })
}

fn data_ref_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::SharedString(text) => text.trim().to_owned(),
        other => data_text(&Data::from(other.clone())),
    }
}

/// A cell as text: numbers as typed (no `.0`), booleans TRUE/FALSE, dates ISO.
fn data_text(value: &Data) -> String {
    match value {
        Data::String(text) => text.trim().to_owned(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(when) => date_text(when),
        Data::DateTimeIso(text) => text.strip_suffix("T00:00:00").unwrap_or(text).to_owned(),
        Data::DurationIso(text) => text.clone(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// A number as its cell's format `code` shows it (`0000000000`: `0612345678`), or as
/// typed when the code is General, text, a date or beyond what `number_format` renders.
fn shown_number(value: f64, code: &str) -> String {
    super::number_format::shown(value, code).map_or_else(|| number_text(value), |text| text.trim().to_owned())
}

/// A number as typed: integers without `.0`.
pub(super) fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn date_text(when: &ExcelDateTime) -> String {
    if !when.is_datetime() {
        return number_text(when.as_f64());
    }
    let (year, month, day, hour, minute, second, _) = when.to_ymd_hms_milli();
    if (hour, minute, second) == (0, 0, 0) {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}")
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const LIMITS: Limits = Limits {
        max_rows: 1_000,
        max_unpacked_bytes: 10_000_000,
    };

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    /// A compound file whose Workbook stream holds these BIFF records (type, data).
    fn xls_of(records: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut stream = Vec::new();
        for (kind, data) in records {
            stream.extend(kind.to_le_bytes());
            stream.extend((data.len() as u16).to_le_bytes());
            stream.extend(data);
        }
        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        file.create_stream("/Workbook").unwrap().write_all(&stream).unwrap();
        file.into_inner().into_inner()
    }

    #[test]
    fn an_xls_declaring_billions_of_cells_is_refused_before_calamine_reserves_them() {
        // Found by fuzzing: 8 KB whose DIMENSIONS record made calamine reserve 9 GB (its
        // compound file is also malformed, which the stricter cfb reader refuses first).
        let bytes = fixture("malformed/xls-huge-dimensions.xls");
        let read = read_file(&bytes, &LIMITS, &Choice::default());
        assert!(
            matches!(read, Err(ReadError::Corrupt(_) | ReadError::TooLarge(_))),
            "{read:?}"
        );
        // A well-formed compound file whose sheet declares 4 billion rows × 256 columns.
        let mut dimensions = [0u32.to_le_bytes(), u32::MAX.to_le_bytes()].concat();
        dimensions.extend([0, 0, 0, 1, 0, 0]);
        let bytes = xls_of(&[(0x0809, vec![0; 16]), (0x0200, dimensions), (0x000A, vec![])]);
        assert_eq!(detect_format(&bytes), Format::Xls);
        let read = read_file(&bytes, &LIMITS, &Choice::default());
        assert!(matches!(read, Err(ReadError::TooLarge(_))), "{read:?}");
        // Two numbers, in A1 and at row and column 65,536: laid out densely, 137 GB.
        let number = |row: u16, col: u16| {
            let mut record = [row.to_le_bytes(), col.to_le_bytes(), [0, 0]].concat();
            record.extend(1f64.to_le_bytes());
            record
        };
        let far = [
            (0x0809, vec![0; 16]),
            (0x0203, number(0, 0)),
            (0x0203, number(u16::MAX, u16::MAX)),
        ];
        let bytes = xls_of(&far);
        let read = read_file(&bytes, &LIMITS, &Choice::default());
        assert!(matches!(read, Err(ReadError::TooLarge(_))), "{read:?}");
        // Found by fuzzing too: cells far apart, laid out densely by calamine (137 GB).
        let read = read_file(
            &fixture("malformed/xls-far-apart-cells.xls"),
            &LIMITS,
            &Choice::default(),
        );
        assert!(
            matches!(read, Err(ReadError::Corrupt(_) | ReadError::TooLarge(_))),
            "{read:?}"
        );
        // The real file declares what it holds, far under the limit.
        let (format, sheet) = read_file(&fixture("amapress-utilisateurs.xls"), &LIMITS, &Choice::default()).unwrap();
        assert_eq!(format, Format::Xls);
        assert_eq!(sheet.rows.len(), 15);
    }

    #[test]
    fn a_panic_inside_calamine_is_a_corrupt_file() {
        // Found by fuzzing from the XLS fixture: calamine 0.38 indexes past the end of a
        // sector chain (cfb.rs) instead of returning an error.
        let bytes = fixture("malformed/xls-cfb-chain-out-of-range.xls");
        assert_eq!(detect_format(&bytes), Format::Xls);
        let read = read_file(&bytes, &LIMITS, &Choice::default());
        assert!(matches!(read, Err(ReadError::Corrupt(_))), "{read:?}");
    }

    #[test]
    fn fixtures_are_read_with_their_format_told_from_the_content() {
        let (format, amap) = read_file(&fixture("amapress-utilisateurs.xlsx"), &LIMITS, &Choice::default()).unwrap();
        assert_eq!(format, Format::Xlsx);
        assert_eq!(
            amap.headers,
            ["Identifiant", "Adresse de messagerie", "Prénom", "Nom", "Rôle"]
        );
        assert_eq!(amap.rows[0].number, 2);
        assert_eq!(&amap.rows[1].cells[4], "Référent producteur");
        let yannick = amap.rows.iter().find(|r| r.number == 9).unwrap();
        assert_eq!(&yannick.cells[1], "", "an empty cell keeps its column (no email)");
        assert_eq!(&yannick.cells[2], "Yannick");

        let (format, citizen) =
            read_file(&fixture("citizenlab-invitations.xlsx"), &LIMITS, &Choice::default()).unwrap();
        assert_eq!(format, Format::Xlsx);
        assert_eq!(
            citizen.headers,
            ["email", "first_name", "last_name", "language", "groups", "admin"]
        );

        let (format, ods) = read_file(&fixture("adherents.ods"), &LIMITS, &Choice::default()).unwrap();
        assert_eq!(format, Format::Ods);
        assert_eq!(ods.headers[0], "Prénom");
        assert_eq!(&ods.rows[0].cells[2], "chloe.petit0@asso.org");

        assert_eq!(detect_format(&fixture("cagette-adherents.csv")), Format::Csv);
    }

    #[test]
    fn numbers_dates_and_booleans_read_as_people_typed_them() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 3, 1).unwrap();
        let date_format = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
        for (c, header) in ["int", "float", "frac", "date", "bool", "text"].iter().enumerate() {
            sheet.write_string(0, c as u16, *header).unwrap();
        }
        sheet.write_number(1, 0, 612345678.0).unwrap();
        sheet.write_number(1, 1, 12.0).unwrap();
        sheet.write_number(1, 2, 3.5).unwrap();
        sheet.write_datetime_with_format(1, 3, &date, &date_format).unwrap();
        sheet.write_boolean(1, 4, true).unwrap();
        sheet.write_string(1, 5, "0612345678").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let (_, read) = read_file(&bytes, &LIMITS, &Choice::default()).unwrap();
        assert_eq!(
            read.rows[0].cells,
            ["612345678", "12", "3.5", "2024-03-01", "TRUE", "0612345678"]
        );
    }

    #[test]
    fn blank_rows_are_skipped_but_counted_and_limits_hold() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(2, 1, "email").unwrap();
        sheet.write_string(3, 1, "a@x.org").unwrap();
        sheet.write_string(5, 1, "b@x.org").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let (_, read) = read_file(&bytes, &LIMITS, &Choice::default()).unwrap();
        assert_eq!(read.headers, ["", "email"]);
        let numbers: Vec<usize> = read.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [4, 6], "the header is on row 3 of the sheet");
        let one = Limits { max_rows: 1, ..LIMITS };
        assert_eq!(
            read_file(&bytes, &one, &Choice::default()).unwrap_err(),
            ReadError::TooManyRows(1)
        );

        let mut header_only = rust_xlsxwriter::Workbook::new();
        header_only.add_worksheet().write_string(0, 0, "email").unwrap();
        assert_eq!(
            read_file(&header_only.save_to_buffer().unwrap(), &LIMITS, &Choice::default()).unwrap_err(),
            ReadError::NoRows
        );
        let mut empty = rust_xlsxwriter::Workbook::new();
        empty.add_worksheet();
        assert_eq!(
            read_file(&empty.save_to_buffer().unwrap(), &LIMITS, &Choice::default()).unwrap_err(),
            ReadError::Empty
        );
    }

    #[test]
    fn garbage_and_bombs_end_in_errors() {
        let noise: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
            .collect();
        assert!(read_file(&noise, &LIMITS, &Choice::default()).is_err());
        let mut fake = b"PK\x03\x04".to_vec();
        fake.extend_from_slice(&noise);
        assert!(matches!(
            read_file(&fake, &LIMITS, &Choice::default()),
            Err(ReadError::Corrupt(_))
        ));
        let mut ole = OLE_MAGIC.to_vec();
        ole.extend_from_slice(&noise);
        assert!(matches!(
            read_file(&ole, &LIMITS, &Choice::default()),
            Err(ReadError::Corrupt(_))
        ));

        // 50 MB of spaces in a sheet: a few tens of KB zipped.
        let spaces = vec![b' '; 50_000_000];
        let bomb = zip_of(&[
            ("xl/workbook.xml", b"<workbook/>"),
            ("xl/worksheets/sheet1.xml", &spaces),
        ]);
        assert!(bomb.len() < 200_000);
        let started = std::time::Instant::now();
        assert_eq!(
            read_file(&bomb, &LIMITS, &Choice::default()).unwrap_err(),
            ReadError::TooLarge(10_000_000)
        );
        assert!(started.elapsed().as_secs() < 5, "refused quickly");

        // A directory that claims 1 GB for a tiny entry: refused on the claim alone.
        let mut claimed = zip_of(&[("xl/workbook.xml", b"<workbook/>"), ("content.xml", b"x")]);
        let directory = claimed.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
        claimed[directory + 24..directory + 28].copy_from_slice(&0x4000_0000u32.to_le_bytes());
        assert_eq!(
            read_file(&claimed, &LIMITS, &Choice::default()).unwrap_err(),
            ReadError::TooLarge(10_000_000)
        );
    }
}
