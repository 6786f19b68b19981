//! What register and updateMyProfile take.

use async_graphql::InputObject;

use crate::members::profile::{ProfileChange, Registering};

/// The signed-in member's changes to their own profile (updateMyProfile): an absent field
/// is left as it is; an empty string clears secondaryEmail, phone or locale.
#[derive(InputObject)]
pub struct ProfileInput {
    /// Given name: 1 to 100 characters, no control characters or < >; cannot be emptied.
    pub first_name: Option<String>,
    /// Family name: 1 to 100 characters, no control characters or < >; cannot be emptied.
    pub last_name: Option<String>,
    /// A second address: a confirmation link is sent to it, and it counts for nothing
    /// until opened (Member.secondaryEmailVerified).
    pub secondary_email: Option<String>,
    /// Phone as written: digits, spaces and + . - ( ) / only, at most 40 characters.
    pub phone: Option<String>,
    /// One of Tenant.locales; empty: back to the tenant's default locale.
    pub locale: Option<String>,
}

/// A new account on a tenant with OPEN registration (register).
#[derive(InputObject)]
pub struct RegisterInput {
    /// The account's main address; CONFLICT when a member already holds it.
    pub email: String,
    /// Given name: 1 to 100 characters, no control characters or < >.
    pub first_name: String,
    /// Family name: 1 to 100 characters, no control characters or < >.
    pub last_name: String,
    /// At least Tenant.passwordMinLength characters, at most 256, not only spaces.
    pub password: String,
    /// One of Tenant.locales; absent: the tenant's default locale.
    pub locale: Option<String>,
}

impl From<ProfileInput> for ProfileChange {
    fn from(input: ProfileInput) -> Self {
        ProfileChange {
            first_name: input.first_name,
            last_name: input.last_name,
            secondary_email: input.secondary_email,
            phone: input.phone,
            locale: input.locale,
        }
    }
}

impl From<RegisterInput> for Registering {
    fn from(input: RegisterInput) -> Self {
        Registering {
            email: input.email,
            first_name: input.first_name,
            last_name: input.last_name,
            password: input.password,
            locale: input.locale,
        }
    }
}
