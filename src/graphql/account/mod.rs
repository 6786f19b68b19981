//! Account: password reset and email change, by the member or for them.

mod mutation;

pub use self::mutation::AccountMutation;
