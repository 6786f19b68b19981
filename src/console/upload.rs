//! Reading a multipart upload form: its text fields, and its file into a temporary file.

use async_graphql::UploadValue;
use poem::web::Multipart;
use tokio::io::AsyncReadExt;

/// The most a text field of the upload form may hold, in bytes.
const TEXT_FIELD_BYTES: u64 = 8 * 1024;

/// A multipart upload form: its text fields, and the file when one was chosen.
pub(super) struct Upload {
    pub(super) fields: Vec<(String, String)>,
    pub(super) file: Option<UploadValue>,
    /// The file was larger than the server's upload limit (and was not kept).
    pub(super) too_large: bool,
}

/// Reads an upload form, the file into a temporary file of at most `limit` bytes.
pub(super) async fn read_upload(mut multipart: Multipart, limit: u64) -> std::io::Result<Upload> {
    let mut upload = Upload {
        fields: Vec::new(),
        file: None,
        too_large: false,
    };
    while let Some(field) = multipart.next_field().await.map_err(std::io::Error::other)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let filename = field.file_name().unwrap_or_default().to_owned();
            let content_type = field.content_type().map(str::to_owned);
            let mut content = tokio::fs::File::from_std(tempfile::tempfile()?);
            let copied = tokio::io::copy(&mut field.into_async_read().take(limit + 1), &mut content).await?;
            if copied > limit {
                upload.too_large = true;
            } else if copied > 0 {
                let mut content = content.into_std().await;
                std::io::Seek::rewind(&mut content)?;
                upload.file = Some(UploadValue {
                    filename,
                    content_type,
                    content,
                });
            }
        } else {
            let mut text = String::new();
            field
                .into_async_read()
                .take(TEXT_FIELD_BYTES)
                .read_to_string(&mut text)
                .await?;
            upload.fields.push((name, text));
        }
    }
    Ok(upload)
}
