//! What XLS and ODS workbooks show for their number cells, which calamine reads as bare
//! numbers: for XLS, each cell's number format code, read from the workbook's FORMAT and
//! XF records; for ODS, the text LibreOffice saved beside the value (`<text:p>`). Both
//! read only parts already bounded by the archive and dimension guards in `file`.
//! Positions are the sheet's own (row, column), from 0, as calamine's ranges count them.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::events::Event;

/// A cell's position in its sheet: row, column, from 0.
pub type Position = (u32, u32);

/// The number format code of every number cell of an XLS sheet whose format is not
/// General; empty when the workbook is not BIFF8 (Excel 97 to 2003) or cannot be read
/// (calamine then reports the problem, or the numbers stay as typed).
pub fn xls_number_formats(bytes: &[u8], sheet: &str) -> HashMap<Position, String> {
    read_xls_formats(bytes, sheet).unwrap_or_default()
}

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const FORMAT: u16 = 0x041E;
const XF: u16 = 0x00E0;
const BOUND_SHEET: u16 = 0x0085;
const NUMBER: u16 = 0x0203;
const RK: u16 = 0x027E;
const FORMULA: u16 = 0x0006;
const MUL_RK: u16 = 0x00BD;
const BIFF8: u16 = 0x0600;

/// Each number cell's format code in sheet `wanted` of an XLS file. Long on purpose: one
/// pass over the BIFF records whose state (formats, XFs, the sheet's offset) the arms share.
fn read_xls_formats(bytes: &[u8], wanted: &str) -> Option<HashMap<Position, String>> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).ok()?;
    let stream = ["/Workbook", "/Book"].into_iter().find(|name| file.is_stream(name))?;
    let mut workbook = Vec::new();
    file.open_stream(stream)
        .ok()?
        .take(bytes.len() as u64 * 2)
        .read_to_end(&mut workbook)
        .ok()?;
    let u16_at = |data: &[u8], i: usize| data.get(i..i + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));

    // The workbook globals: custom formats, the format of each XF, the sheets' offsets.
    let mut custom: HashMap<u16, String> = HashMap::new();
    let mut xf_formats: Vec<u16> = Vec::new();
    let mut sheet_at = None;
    for (kind, data) in records(&workbook, 0) {
        match kind {
            BOF if u16_at(data, 0)? != BIFF8 => return None,
            EOF => break,
            FORMAT => {
                let id = u16_at(data, 0)?;
                let length = usize::from(u16_at(data, 2)?);
                custom.insert(id, unicode_string(data.get(4..)?, length)?);
            }
            XF => xf_formats.push(u16_at(data, 2)?),
            BOUND_SHEET => {
                let offset = u32::from_le_bytes(data.get(0..4)?.try_into().ok()?) as usize;
                let name = unicode_string(data.get(7..)?, usize::from(*data.get(6)?))?;
                if name == wanted {
                    sheet_at = Some(offset);
                }
            }
            _ => {}
        }
    }
    let format_of = |xf: u16| -> Option<String> {
        let id = *xf_formats.get(usize::from(xf))?;
        custom
            .get(&id)
            .cloned()
            .or_else(|| builtin_format(id).map(str::to_owned))
    };

    let mut formats = HashMap::new();
    for (kind, data) in records(&workbook, sheet_at?).skip(1) {
        match kind {
            EOF | BOF => break,
            NUMBER | RK | FORMULA => {
                let position = (u32::from(u16_at(data, 0)?), u32::from(u16_at(data, 2)?));
                if let Some(code) = format_of(u16_at(data, 4)?) {
                    formats.insert(position, code);
                }
            }
            MUL_RK => {
                // Row, first column, then (XF, RK number) pairs of 6 bytes, last column.
                let row = u32::from(u16_at(data, 0)?);
                let first = u32::from(u16_at(data, 2)?);
                let pairs = data.len().saturating_sub(6) / 6;
                for index in 0..pairs {
                    if let Some(code) = format_of(u16_at(data, 4 + index * 6)?) {
                        formats.insert((row, first + index as u32), code);
                    }
                }
            }
            _ => {}
        }
    }
    Some(formats)
}

/// BIFF records (type, data) from `at` in a workbook stream, until it ends or breaks.
fn records(stream: &[u8], mut at: usize) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let header = stream.get(at..at + 4)?;
        let kind = u16::from_le_bytes([header[0], header[1]]);
        let length = usize::from(u16::from_le_bytes([header[2], header[3]]));
        let data = stream.get(at + 4..at + 4 + length)?;
        at += 4 + length;
        Some((kind, data))
    })
}

/// A BIFF8 string of `length` characters after its flags byte: Latin-1, or UTF-16 when
/// the flags' low bit is set.
fn unicode_string(data: &[u8], length: usize) -> Option<String> {
    let (flags, text) = data.split_first()?;
    if flags & 1 == 1 {
        let units: Vec<u16> = text
            .get(..length * 2)?
            .chunks_exact(2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .collect();
        String::from_utf16(&units).ok()
    } else {
        Some(text.get(..length)?.iter().map(|&b| char::from(b)).collect())
    }
}

/// Excel's built-in number formats that are not dates (calamine turns those into dates).
fn builtin_format(id: u16) -> Option<&'static str> {
    Some(match id {
        1 => "0",
        2 => "0.00",
        3 => "#,##0",
        4 => "#,##0.00",
        9 => "0%",
        10 => "0.00%",
        37 => "#,##0 ;(#,##0)",
        38 => "#,##0 ;[Red](#,##0)",
        39 => "#,##0.00;(#,##0.00)",
        40 => "#,##0.00;[Red](#,##0.00)",
        _ => return None,
    })
}

/// The text LibreOffice shows for each number cell (float, percentage, currency) of an
/// ODS sheet, with the value it shows it for; empty when the file cannot be read.
pub fn ods_number_texts(bytes: &[u8], sheet: &str) -> HashMap<Position, (f64, String)> {
    read_ods_texts(bytes, sheet).unwrap_or_default()
}

/// Most cells one `number-columns-repeated` or `number-rows-repeated` may stand for here:
/// runs that long are the empty tail of a sheet, never repeated numbers.
const MAX_REPEAT: u32 = 1_000;

// Long on purpose: one streaming XML loop over content.xml whose state (row, column,
// repeats, the cell being read) every arm shares; split, that state would travel in and out.
/// The displayed text of each number cell of sheet `wanted` in an ODS file.
fn read_ods_texts(bytes: &[u8], wanted: &str) -> Option<HashMap<Position, (f64, String)>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let content = archive.by_name("content.xml").ok()?;
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(content));
    let mut buf = Vec::new();
    let mut texts = HashMap::new();
    let mut in_sheet = false;
    let (mut row, mut column) = (0u32, 0u32);
    let mut row_repeat = 1u32;
    // The number cell being read: its value, columns repeated, and text so far.
    let mut cell: Option<(f64, u32, String)> = None;
    let attribute = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> Option<String> {
        let value = e.try_get_attribute(name).ok()??;
        value
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .ok()
            .map(|v| v.into_owned())
    };
    let repeat = |e: &quick_xml::events::BytesStart<'_>, name: &str| -> u32 {
        attribute(e, name).and_then(|n| n.parse().ok()).unwrap_or(1)
    };
    loop {
        buf.clear();
        let event = reader.read_event_into(&mut buf).ok()?;
        let opens = matches!(event, Event::Start(_));
        match event {
            Event::Eof => break,
            Event::Start(e) if e.name().as_ref() == "table:table" => {
                in_sheet = attribute(&e, "table:name").as_deref() == Some(wanted);
                row = 0;
            }
            Event::End(e) if e.name().as_ref() == "table:table" && in_sheet => break,
            _ if !in_sheet => {}
            Event::Start(e) if e.name().as_ref() == "table:table-row" => {
                column = 0;
                row_repeat = repeat(&e, "table:number-rows-repeated");
            }
            Event::Empty(e) if e.name().as_ref() == "table:table-row" => {
                row = row.saturating_add(repeat(&e, "table:number-rows-repeated"));
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => row = row.saturating_add(row_repeat),
            Event::Start(e) | Event::Empty(e)
                if matches!(e.name().as_ref(), "table:table-cell" | "table:covered-table-cell") =>
            {
                let columns = repeat(&e, "table:number-columns-repeated");
                let numeric = matches!(
                    attribute(&e, "office:value-type").as_deref(),
                    Some("float" | "percentage" | "currency")
                );
                let value = attribute(&e, "office:value").and_then(|v| v.parse::<f64>().ok());
                match (numeric, value, opens) {
                    (true, Some(value), true) => cell = Some((value, columns, String::new())),
                    _ => column = column.saturating_add(columns),
                }
            }
            Event::Text(text) => {
                if let Some((_, _, shown)) = cell.as_mut() {
                    shown.push_str(&text.xml10_content());
                }
            }
            Event::GeneralRef(entity) => {
                if let Some((_, _, shown)) = cell.as_mut() {
                    let name = entity.xml10_content();
                    shown.push_str(match name.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "text:s" => {
                if let Some((_, _, shown)) = cell.as_mut() {
                    let spaces = repeat(&e, "text:c").min(MAX_REPEAT) as usize;
                    shown.push_str(&" ".repeat(spaces));
                }
            }
            Event::Start(e) if e.name().as_ref() == "office:annotation" => {
                reader.read_to_end_into(e.name(), &mut Vec::new()).ok()?;
            }
            Event::End(e) if matches!(e.name().as_ref(), "table:table-cell" | "table:covered-table-cell") => {
                if let Some((value, columns, shown)) = cell.take() {
                    for r in row..row.saturating_add(row_repeat.min(MAX_REPEAT)) {
                        for c in column..column.saturating_add(columns.min(MAX_REPEAT)) {
                            texts.insert((r, c), (value, shown.clone()));
                        }
                    }
                    column = column.saturating_add(columns);
                }
            }
            _ => {}
        }
    }
    Some(texts)
}
