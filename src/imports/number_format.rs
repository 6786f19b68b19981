//! The text a spreadsheet shows for a number through its number format code (the codes
//! Excel writes in XLSX and XLS files, ECMA-376 §18.8.31): digit placeholders `0 # ?`,
//! thousands grouping and scaling `,`, decimals, `%`, literal text (`"…"`, `\x`, `_x`,
//! the currency of `[$€-40C]`, and plain `- + ( ) / :` and spaces), and sections chosen
//! by sign or by a `[<=9999999]` condition. A phone typed as the number 612345678 and
//! shown through `0000000000` reads `0612345678`; through `00 00 00 00 00`,
//! `06 12 34 56 78`.
//!
//! Codes we do not render (dates and times, which calamine already turns into dates;
//! fractions; exponents), `General` alone and the text format `@` give None: the caller
//! keeps the number as typed, which is what Excel shows for them.

/// The text `code` shows for `value`; None when the code is General, text, or beyond
/// what is rendered here. Separators are written `,` and `.` whatever the viewer's locale.
pub fn shown(value: f64, code: &str) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    let sections = split_sections(code)?;
    let (section, signed) = choose(&sections, value)?;
    render(section, if signed { value } else { value.abs() })
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(String),
    /// `0` (always a digit), `#` (a digit when there is one), `?` (a digit or a space).
    Digit(char),
    Point,
    Comma,
    Percent,
    /// `@`: the cell's text; a section holding it is for text, not numbers.
    Text,
    General,
}

/// A section's `[>100]` test.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Condition {
    op: Op,
    bound: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Condition {
    fn holds(self, value: f64) -> bool {
        match self.op {
            Op::Lt => value < self.bound,
            Op::Le => value <= self.bound,
            Op::Gt => value > self.bound,
            Op::Ge => value >= self.bound,
            Op::Eq => value == self.bound,
            Op::Ne => value != self.bound,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Section {
    tokens: Vec<Token>,
    condition: Option<Condition>,
}

/// The code's `;`-separated sections, tokenised; None when one holds something not
/// rendered here.
fn split_sections(code: &str) -> Option<Vec<Section>> {
    let mut sections = vec![Section::default()];
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        let section = sections.last_mut().expect("never empty");
        let tokens = &mut section.tokens;
        match c {
            ';' => sections.push(Section::default()),
            '0' | '#' | '?' => tokens.push(Token::Digit(c)),
            '.' => tokens.push(Token::Point),
            ',' => tokens.push(Token::Comma),
            '%' => tokens.push(Token::Percent),
            '@' => tokens.push(Token::Text),
            '"' => {
                let text: String = chars.by_ref().take_while(|&c| c != '"').collect();
                tokens.push(Token::Literal(text));
            }
            '\\' => tokens.push(Token::Literal(chars.next()?.to_string())),
            // `_x` leaves the width of x blank (alignment); `*x` fills the cell with x.
            '_' => {
                chars.next();
                tokens.push(Token::Literal(" ".into()));
            }
            '*' => {
                chars.next();
            }
            '[' => {
                let inside: String = chars.by_ref().take_while(|&c| c != ']').collect();
                bracket(section, &inside)?;
            }
            'G' | 'g' => {
                let rest: String = chars.clone().take(6).collect();
                if !rest.eq_ignore_ascii_case("eneral") {
                    return None;
                }
                chars.nth(5);
                tokens.push(Token::General);
            }
            // Exponents, dates and times, AM/PM, fractions: not ours to render.
            'E' | 'e' | 'y' | 'Y' | 'm' | 'M' | 'd' | 'D' | 'h' | 'H' | 's' | 'S' | 'A' | 'a' | 'B' | 'b' => {
                return None
            }
            '/' if matches!(tokens.last(), Some(Token::Digit(_))) => return None,
            c if c.is_alphabetic() => return None,
            c => tokens.push(Token::Literal(c.to_string())),
        }
    }
    Some(sections)
}

/// A `[…]` part: a colour (ignored), a condition, a currency and locale `[$€-40C]` (the
/// currency is shown); elapsed times `[h]` are not rendered.
fn bracket(section: &mut Section, inside: &str) -> Option<()> {
    if let Some(currency) = inside.strip_prefix('$') {
        let symbol = currency.split('-').next().unwrap_or_default();
        if !symbol.is_empty() {
            section.tokens.push(Token::Literal(symbol.to_owned()));
        }
        return Some(());
    }
    let (op, bound) = if let Some(b) = inside.strip_prefix("<=") {
        (Op::Le, b)
    } else if let Some(b) = inside.strip_prefix(">=") {
        (Op::Ge, b)
    } else if let Some(b) = inside.strip_prefix("<>") {
        (Op::Ne, b)
    } else if let Some(b) = inside.strip_prefix('<') {
        (Op::Lt, b)
    } else if let Some(b) = inside.strip_prefix('>') {
        (Op::Gt, b)
    } else if let Some(b) = inside.strip_prefix('=') {
        (Op::Eq, b)
    } else if inside.chars().all(|c| c.is_ascii_alphanumeric()) && !inside.chars().all(|c| "hmsHMS".contains(c)) {
        return Some(()); // a colour: [Red], [Color10]
    } else {
        return None;
    };
    let bound = bound.trim().parse().ok()?;
    section.condition = Some(Condition { op, bound });
    Some(())
}

/// The section that shows `value`, and whether it shows the minus sign itself (only a
/// first section used for every value does; the negative section writes its own).
fn choose(sections: &[Section], value: f64) -> Option<(&Section, bool)> {
    let numeric: Vec<&Section> = sections.iter().filter(|s| !s.tokens.contains(&Token::Text)).collect();
    if sections.iter().any(|s| s.condition.is_some()) {
        let section = sections
            .iter()
            .take(2)
            .find(|s| s.condition.is_some_and(|c| c.holds(value)))
            .or_else(|| sections.iter().take(3).find(|s| s.condition.is_none()))?;
        return Some((section, true));
    }
    let section = match (sections.len(), value) {
        (1, _) => return numeric.first().map(|s| (*s, true)),
        (2, v) if v < 0.0 => &sections[1],
        (2, _) => &sections[0],
        (_, v) if v < 0.0 => &sections[1],
        (_, 0.0) => &sections[2],
        _ => &sections[0],
    };
    (!section.tokens.contains(&Token::Text)).then_some((section, false))
}

/// The text of one section for `value`; None for General alone (the number as typed).
/// Long on purpose: one walk over the section's tokens, as Excel renders them.
fn render(section: &Section, value: f64) -> Option<String> {
    let tokens = &section.tokens;
    if tokens.iter().all(|t| matches!(t, Token::General)) {
        return None;
    }
    let point = tokens.iter().position(|t| *t == Token::Point);
    let is_digit = |t: &Token| matches!(t, Token::Digit(_));
    let integer_end = point.unwrap_or(tokens.len());
    let last_integer_digit = tokens[..integer_end].iter().rposition(is_digit);
    let first_integer_digit = tokens[..integer_end].iter().position(is_digit);
    // Commas right after the integer digits or at the end of the number divide by 1,000
    // each; between the digits, they group.
    let commas_after = |at: Option<usize>, end: usize| {
        at.map_or(0, |last| {
            tokens[last + 1..end].iter().take_while(|t| **t == Token::Comma).count()
        })
    };
    let last_fraction_digit = point.and_then(|p| tokens[p..].iter().rposition(is_digit).map(|i| p + i));
    let scaling = commas_after(last_integer_digit, integer_end) + commas_after(last_fraction_digit, tokens.len());
    let grouping = match (first_integer_digit, last_integer_digit) {
        (Some(first), Some(last)) => tokens[first..last].contains(&Token::Comma),
        _ => false,
    };
    let decimals: Vec<char> = tokens[point.map_or(tokens.len(), |p| p + 1)..]
        .iter()
        .filter_map(|t| match t {
            Token::Digit(d) => Some(*d),
            _ => None,
        })
        .collect();
    let percents = tokens.iter().filter(|t| **t == Token::Percent).count();
    let scaled = value * 100f64.powi(percents as i32) / 1000f64.powi(scaling as i32);
    let rounded = format!("{:.*}", decimals.len(), scaled.abs());
    let (whole, fraction) = rounded.split_once('.').unwrap_or((&rounded, ""));
    let integer_placeholders: Vec<char> = tokens[..integer_end]
        .iter()
        .filter_map(|t| match t {
            Token::Digit(d) => Some(*d),
            _ => None,
        })
        .collect();
    // A zero integer part shows no digit unless a `0` asks for one.
    let whole = if whole == "0" && !integer_placeholders.contains(&'0') {
        ""
    } else {
        whole
    };
    let mut integer_digits = place_integer(whole, &integer_placeholders, grouping).into_iter();
    let mut fraction_digits = place_fraction(fraction, &decimals).into_iter();

    let mut out = String::new();
    if scaled < 0.0 && rounded.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('-');
    }
    for (index, token) in tokens.iter().enumerate() {
        match token {
            Token::Literal(text) => out.push_str(text),
            Token::Digit(_) if index < integer_end => out.push_str(&integer_digits.next().unwrap_or_default()),
            Token::Digit(_) => out.push_str(&fraction_digits.next().unwrap_or_default()),
            Token::Point => out.push('.'),
            Token::Percent => out.push('%'),
            Token::General => out.push_str(&super::file::number_text(value.abs())),
            Token::Comma | Token::Text => {}
        }
    }
    Some(out)
}

/// What each integer placeholder shows, left to right: digits fill them from the right,
/// the first one takes every digit left over; an empty `0` shows 0, `?` a space, `#`
/// nothing. With grouping, the whole number is written in the first placeholder.
fn place_integer(digits: &str, placeholders: &[char], grouping: bool) -> Vec<String> {
    let count = placeholders.len();
    if count == 0 {
        return Vec::new();
    }
    let digits: Vec<char> = digits.chars().collect();
    let mut shown: Vec<String> = Vec::with_capacity(count);
    for (index, placeholder) in placeholders.iter().enumerate() {
        // Digits right-aligned: placeholder `index` holds digit `len - (count - index)`.
        let from_right = count - index;
        let text = if index == 0 && digits.len() >= from_right {
            digits[..=digits.len() - from_right].iter().collect()
        } else if digits.len() >= from_right {
            digits[digits.len() - from_right].to_string()
        } else {
            match placeholder {
                '0' => "0".to_owned(),
                '?' => " ".to_owned(),
                _ => String::new(),
            }
        };
        shown.push(text);
    }
    if grouping {
        let joined: String = shown.concat();
        let grouped = group_thousands(&joined);
        let mut first = vec![grouped];
        first.resize(count, String::new());
        return first;
    }
    shown
}

/// `1234567` → `1,234,567`; leading padding spaces are kept as they are.
fn group_thousands(text: &str) -> String {
    let padding = text.len() - text.trim_start().len();
    let digits = &text[padding..];
    let mut out = text[..padding].to_owned();
    for (index, c) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What each decimal placeholder shows: trailing zeros vanish under `#` and become
/// spaces under `?`.
fn place_fraction(digits: &str, placeholders: &[char]) -> Vec<String> {
    let mut shown: Vec<String> = digits.chars().map(String::from).collect();
    for (index, placeholder) in placeholders.iter().enumerate().rev() {
        if shown[index] != "0" || *placeholder == '0' {
            break;
        }
        shown[index] = if *placeholder == '?' { " ".into() } else { String::new() };
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn phones_keep_the_digits_and_spacing_their_format_shows() {
        assert_eq!(shown(612345678.0, "0000000000").as_deref(), Some("0612345678"));
        assert_eq!(shown(612345678.0, "00 00 00 00 00").as_deref(), Some("06 12 34 56 78"));
        assert_eq!(
            shown(612345678.0, "00\\ 00\\ 00\\ 00\\ 00").as_deref(),
            Some("06 12 34 56 78")
        );
        assert_eq!(shown(612345678.0, "\"+33 \"0").as_deref(), Some("+33 612345678"));
        assert_eq!(shown(612345678.0, "\\+\\3\\3\\ 0").as_deref(), Some("+33 612345678"));
        assert_eq!(shown(42.0, "000000").as_deref(), Some("000042"));
        assert_eq!(
            shown(1234567.0, "000").as_deref(),
            Some("1234567"),
            "extra digits go first"
        );
        // US phones, chosen by condition.
        let us = "[<=9999999]###-####;(###) ###-####";
        assert_eq!(shown(5551234.0, us).as_deref(), Some("555-1234"));
        assert_eq!(shown(2125551234.0, us).as_deref(), Some("(212) 555-1234"));
    }

    #[test]
    fn numbers_group_round_and_scale_as_excel_shows_them() {
        assert_eq!(shown(1234567.0, "#,##0").as_deref(), Some("1,234,567"));
        assert_eq!(shown(999.0, "#,##0").as_deref(), Some("999"));
        assert_eq!(shown(1.23456, "0.00").as_deref(), Some("1.23"));
        assert_eq!(shown(1.5, "0.0#").as_deref(), Some("1.5"));
        assert_eq!(shown(1.25, "0.0#").as_deref(), Some("1.25"));
        assert_eq!(shown(0.5, "0%").as_deref(), Some("50%"));
        assert_eq!(shown(1_500_000.0, "0.0,,\"M\"").as_deref(), Some("1.5M"));
        assert_eq!(shown(0.0, "#").as_deref(), Some(""));
        assert_eq!(shown(7.0, "??0").as_deref(), Some("  7"));
        assert_eq!(shown(1234.5, "[$€-40C] #,##0.00").as_deref(), Some("€ 1,234.50"));
        assert_eq!(shown(5.0, "0_)").as_deref(), Some("5 "));
    }

    #[test]
    fn sections_follow_the_sign() {
        assert_eq!(shown(-5.0, "0").as_deref(), Some("-5"));
        assert_eq!(shown(-5.0, "0;[Red]\\(0\\)").as_deref(), Some("(5)"));
        assert_eq!(shown(5.0, "0;[Red]\\(0\\)").as_deref(), Some("5"));
        assert_eq!(shown(0.0, "0;-0;\"zero\"").as_deref(), Some("zero"));
        assert_eq!(shown(-2.0, "0;-0;\"zero\";@").as_deref(), Some("-2"));
    }

    #[test]
    fn general_text_dates_and_exotic_codes_keep_the_number_as_typed() {
        for code in [
            "General",
            "@",
            "dd/mm/yyyy",
            "0.00E+00",
            "# ?/?",
            "[h]:mm",
            "h:mm AM/PM",
            "0;@",
        ] {
            if code == "0;@" {
                assert_eq!(shown(12.0, code).as_deref(), Some("12"), "{code}");
                continue;
            }
            assert_eq!(shown(12.0, code), None, "{code}");
        }
        assert_eq!(shown(f64::NAN, "0"), None);
    }
}
