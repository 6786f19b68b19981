//! The member list's filters, as its URL and the forms posted from it carry them: one
//! reading of them for the list, its pages and the actions on a selection.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;

/// Filters of the member list, and its order. In the URL: `search`, `status` (ACTIVE or
/// DEACTIVATED), `role` (a role key), `group` (a group id), `never=1` (never signed in),
/// `must_change=1` (still on a given password), `import` (an import's id: the members
/// it created) and `sort` (a [`ListOrder`]'s name); other parameters are ignored, and
/// so is an empty value (a select's "any"). A narrowing filter given a value it cannot
/// read is named in `unreadable`: left out, it would widen the list, and an action on
/// "everyone it matches", to the whole organization.
#[derive(Debug, Default, Clone, Serialize)]
pub(super) struct MemberListFilter {
    pub search: String,
    pub status: Option<String>,
    pub role: Option<String>,
    pub group: Option<String>,
    pub never: bool,
    pub must_change: bool,
    pub import: Option<String>,
    pub sort: ListOrder,
    /// The first narrowing filter whose value could not be read (`group=1234`).
    #[serde(skip)]
    pub unreadable: Option<&'static str>,
}

/// The orders the list offers, each in the direction an admin reads it in: names from A,
/// logins from A, the newest members first, the latest sign-ins first (never last).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum ListOrder {
    #[default]
    Name,
    Login,
    Newest,
    LastSignIn,
}

impl ListOrder {
    /// Every order, as the page's select lists them.
    pub const ALL: [ListOrder; 4] = [
        ListOrder::Name,
        ListOrder::Login,
        ListOrder::Newest,
        ListOrder::LastSignIn,
    ];

    /// The URL's name of the order (`sort=newest`).
    pub fn name(self) -> &'static str {
        match self {
            ListOrder::Name => "name",
            ListOrder::Login => "login",
            ListOrder::Newest => "newest",
            ListOrder::LastSignIn => "last-sign-in",
        }
    }

    fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|order| order.name() == name)
    }

    /// The API's `MemberOrder`.
    pub fn api(self) -> serde_json::Value {
        match self {
            ListOrder::Name => json!({ "field": "LAST_NAME", "direction": "ASC" }),
            ListOrder::Login => json!({ "field": "LOGIN", "direction": "ASC" }),
            ListOrder::Newest => json!({ "field": "CREATED_AT", "direction": "DESC" }),
            ListOrder::LastSignIn => json!({ "field": "LAST_LOGIN_AT", "direction": "DESC" }),
        }
    }
}

impl MemberListFilter {
    /// The filters found by `get` (a parameter's value by name).
    fn read<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Self {
        let present = |name: &str| get(name).map(str::trim).filter(|v| !v.is_empty());
        let mut unreadable = None;
        // A value present and readable; a present one that is not readable is noted.
        let mut read = |name: &'static str, readable: fn(&str) -> bool| {
            let value = present(name)?;
            if readable(value) {
                return Some(value.to_owned());
            }
            unreadable = unreadable.or(Some(name));
            None
        };
        let is_id = |v: &str| uuid::Uuid::parse_str(v).is_ok();
        let status = read("status", |s| matches!(s, "ACTIVE" | "DEACTIVATED"));
        let group = read("group", is_id);
        let import = read("import", is_id);
        let never = read("never", |v| v == "1").is_some();
        let must_change = read("must_change", |v| v == "1").is_some();
        MemberListFilter {
            search: present("search").unwrap_or_default().to_owned(),
            status,
            role: present("role").map(str::to_owned),
            group,
            never,
            must_change,
            import,
            // An order is no filter: an unknown one is the default.
            sort: present("sort").and_then(ListOrder::named).unwrap_or_default(),
            unreadable,
        }
    }

    /// The filters of a page's query string.
    pub fn from_query(params: &HashMap<String, String>) -> Self {
        Self::read(|name| params.get(name).map(String::as_str))
    }

    /// The filters a posted form carried back.
    pub fn from_form(form: &[(String, String)]) -> Self {
        Self::read(|name| super::value_of(form, name))
    }

    /// The API's `MemberFilter`.
    pub fn api(&self) -> serde_json::Value {
        let mut filter = serde_json::Map::new();
        if !self.search.is_empty() {
            filter.insert("search".into(), json!(self.search));
        }
        if let Some(status) = &self.status {
            filter.insert("status".into(), json!(status));
        }
        if let Some(role) = &self.role {
            filter.insert("roles".into(), json!([role]));
        }
        if let Some(group) = &self.group {
            filter.insert("groupIds".into(), json!([group]));
        }
        if self.never {
            filter.insert("neverLoggedIn".into(), json!(true));
        }
        if self.must_change {
            filter.insert("mustChangePassword".into(), json!(true));
        }
        if let Some(import) = &self.import {
            filter.insert("originImportId".into(), json!(import));
        }
        serde_json::Value::Object(filter)
    }

    /// The query string of the list with these filters, then `extra` pairs.
    pub fn query(&self, extra: &[(&str, &str)]) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        if !self.search.is_empty() {
            pairs.append_pair("search", &self.search);
        }
        let named = [
            ("status", &self.status),
            ("role", &self.role),
            ("group", &self.group),
            ("import", &self.import),
        ];
        for (name, value) in named {
            if let Some(value) = value {
                pairs.append_pair(name, value);
            }
        }
        if self.never {
            pairs.append_pair("never", "1");
        }
        if self.must_change {
            pairs.append_pair("must_change", "1");
        }
        if self.sort != ListOrder::default() {
            pairs.append_pair("sort", self.sort.name());
        }
        pairs.extend_pairs(extra);
        pairs.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_read_from_a_url_go_to_the_api_and_back_to_the_url() {
        let params: HashMap<String, String> = [
            ("search", " dupo "),
            ("status", "ACTIVE"),
            ("role", "coordinator"),
            ("group", "6f1c2a9e-3b7d-4c55-9a51-2a4f0e8b9c10"),
            ("never", "1"),
            ("must_change", "1"),
            ("import", "0193a7c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d"),
            ("sort", "newest"),
            ("after", "cursor"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let filter = MemberListFilter::from_query(&params);
        assert_eq!(
            filter.api(),
            json!({
                "search": "dupo",
                "status": "ACTIVE",
                "roles": ["coordinator"],
                "groupIds": ["6f1c2a9e-3b7d-4c55-9a51-2a4f0e8b9c10"],
                "neverLoggedIn": true,
                "mustChangePassword": true,
                "originImportId": "0193a7c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
            })
        );
        assert_eq!(
            filter.query(&[("after", "x")]),
            "search=dupo&status=ACTIVE&role=coordinator&group=6f1c2a9e-3b7d-4c55-9a51-2a4f0e8b9c10&import=0193a7c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d&never=1&must_change=1&sort=newest&after=x"
        );
        assert_eq!(filter.sort.api(), json!({ "field": "CREATED_AT", "direction": "DESC" }));
    }

    #[test]
    fn empty_values_and_unknown_orders_are_left_out_and_unreadable_filters_named() {
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        let form = vec![
            pair("status", ""),
            pair("group", ""),
            pair("import", " "),
            pair("search", "   "),
            pair("sort", "password"),
        ];
        let filter = MemberListFilter::from_form(&form);
        assert_eq!(filter.sort, ListOrder::Name, "an unknown order is the default one");
        assert_eq!(filter.api(), json!({}));
        assert_eq!(filter.query(&[]), "");
        assert_eq!(filter.unreadable, None);
        for (name, value) in [
            ("status", "DELETED"),
            ("group", "not-a-uuid"),
            ("import", "01a23b20-c9d3-748d-806a-81fcc3b3"),
            ("never", "yes"),
            ("must_change", "0"),
        ] {
            let filter = MemberListFilter::from_form(&[pair("search", "dupo"), pair(name, value)]);
            assert_eq!(filter.unreadable, Some(name), "{name}={value}");
        }
    }
}
