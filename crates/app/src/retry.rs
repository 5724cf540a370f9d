//! The one conflict-retry loop: a decision is made on what is stored, so when its commit
//! loses a race with another writer (a version conflict) it is made again from a fresh
//! read rather than forced through.
//!
//! A macro rather than a function taking an async closure: the attempt borrows the
//! caller's arguments, and a future built from an async closure over borrows is not
//! provably `Send` (axum's handlers need it to be).

use crate::AppError;
use std::future::Future;

/// How many times a decision is tried before the conflict is the answer (409).
pub(crate) const ATTEMPTS: usize = 3;

/// Runs the block (read, decide, commit: an `async` body answering `Result<T, AppError>`)
/// and runs it again when it answers a version conflict, up to [`ATTEMPTS`] times in all;
/// any other answer, success or failure, is returned at once. `return` in the block ends
/// the attempt, as in a closure.
macro_rules! on_conflict {
    ($($attempt:tt)*) => {{
        let mut tried = 1;
        loop {
            match $crate::retry::attempt(async { $($attempt)* }).await {
                Err($crate::AppError::Store(baton_store::StoreError::Conflict(_)))
                    if tried < $crate::retry::ATTEMPTS => tried += 1,
                answer => break answer,
            }
        }
    }};
}
pub(crate) use on_conflict;

/// Gives the attempt's future its type, so `?` inside converts into [`AppError`].
pub(crate) fn attempt<T>(f: impl Future<Output = Result<T, AppError>>) -> impl Future<Output = Result<T, AppError>> {
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_store::StoreError;

    fn conflict<T>() -> Result<T, AppError> {
        Err(AppError::Store(StoreError::Conflict("moved".into())))
    }

    #[tokio::test]
    async fn a_conflict_is_tried_again_and_the_third_is_the_answer() {
        let mut calls = 0;
        let answer: Result<(), AppError> = on_conflict!({
            calls += 1;
            conflict()
        });
        assert!(matches!(answer, Err(AppError::Store(StoreError::Conflict(_)))));
        assert_eq!(calls, ATTEMPTS);

        let mut calls = 0;
        let answer = on_conflict!({
            calls += 1;
            if calls == 1 {
                return conflict();
            }
            Ok(calls)
        });
        assert_eq!(answer.unwrap(), 2, "the second try's answer");

        let mut calls = 0;
        let answer: Result<(), AppError> = on_conflict!({
            calls += 1;
            Err(AppError::NotFound("gone".into()))
        });
        assert!(matches!(answer, Err(AppError::NotFound(_))) && calls == 1, "other errors are not retried");
    }
}
