//! A browser without JavaScript for the console's tests: keeps cookies, sends the
//! Origin a browser sends, does not follow redirects.

use std::collections::HashMap;

use super::TestApp;

/// A browser without JavaScript: keeps cookies, does not follow redirects.
pub struct Browser<'a> {
    t: &'a TestApp,
    pub client: reqwest::Client,
    pub tenant: &'a str,
    pub cookies: HashMap<String, String>,
    pub origin: Option<String>,
}

/// What came back: status, where it redirects, the body.
pub struct Page {
    pub status: u16,
    pub location: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl<'a> Browser<'a> {
    pub fn new(t: &'a TestApp, tenant: &'a str) -> Self {
        Self::with_headers(t, tenant, reqwest::header::HeaderMap::new())
    }

    /// A browser whose language settings ask for `languages` (an Accept-Language value).
    pub fn speaking(t: &'a TestApp, tenant: &'a str, languages: &str) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::ACCEPT_LANGUAGE, languages.parse().unwrap());
        Self::with_headers(t, tenant, headers)
    }

    fn with_headers(t: &'a TestApp, tenant: &'a str, headers: reqwest::header::HeaderMap) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap();
        Browser {
            t,
            client,
            tenant,
            cookies: HashMap::new(),
            origin: Some(format!("http://{}", t.addr)),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn keep(&mut self, response: reqwest::Response) -> Page {
        for set in response.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || set.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Page {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned())
                .unwrap_or_default(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let url = self.t.url(&format!("/t/{}/admin{path}", self.tenant));
        let response = self
            .client
            .get(url)
            .header("Cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(response).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let url = self.t.url(&format!("/t/{}/admin{path}", self.tenant));
        let mut request = self.client.post(url).header("Cookie", self.cookie_header()).form(form);
        if let Some(origin) = &self.origin {
            request = request.header("Origin", origin);
        }
        let response = request.send().await.unwrap();
        self.keep(response).await
    }

    /// Posts a multipart form, as a browser sends a form with a file input: `fields`,
    /// then the file `file_name` with `content` in the field `file`.
    pub async fn post_file(&mut self, path: &str, fields: &[(&str, &str)], file_name: &str, content: Vec<u8>) -> Page {
        let url = self.t.url(&format!("/t/{}/admin{path}", self.tenant));
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(content).file_name(file_name.to_owned()),
        );
        let mut request = self
            .client
            .post(url)
            .header("Cookie", self.cookie_header())
            .multipart(form);
        if let Some(origin) = &self.origin {
            request = request.header("Origin", origin);
        }
        let response = request.send().await.unwrap();
        self.keep(response).await
    }

    /// Follows a redirect to a download of the test server: its status and bytes.
    pub async fn download(&self, location: &str) -> (u16, Vec<u8>) {
        // Links are made for the configured public URL; the test server listens elsewhere.
        let url = match reqwest::Url::parse(location) {
            Ok(absolute) => self
                .t
                .url(&format!("{}?{}", absolute.path(), absolute.query().unwrap_or_default())),
            Err(_) => self.t.url(location),
        };
        let response = self.client.get(url).send().await.unwrap();
        (response.status().as_u16(), response.bytes().await.unwrap().to_vec())
    }

    /// The CSRF field of the last page that had a form.
    pub fn csrf(page: &Page) -> String {
        let at = page
            .body
            .find("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("a CSRF field in {}", page.body))
            + 19;
        page.body[at..].split('"').next().unwrap().to_owned()
    }

    pub async fn sign_in(&mut self, identifier: &str, password: &str) -> Page {
        let form = self.get("/sign-in").await;
        let csrf = Self::csrf(&form);
        self.post(
            "/sign-in",
            &[("csrf", &csrf), ("identifier", identifier), ("password", password)],
        )
        .await
    }
}
