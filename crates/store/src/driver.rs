//! The SQL backends' driver, sqlx, seen once for both: a [`Statement`] bound to a sqlx
//! query, and a sqlx row read by column name. Generic over the database, so neither
//! backend writes its own copy; both run the same code with their own types.

use crate::columns::Columns;
use crate::statement::{Statement, Value};
use crate::StoreError;
use sqlx::query::Query;
use sqlx::{ColumnIndex, Database, Decode, Encode, Row, Type};

/// A driver error as a store error (a backend may map some of them to `Conflict` first).
pub fn database_error(e: sqlx::Error) -> StoreError {
    StoreError::Database(Box::new(e))
}

/// `st` as a sqlx query of `DB`, its values bound in order.
pub fn query<'q, DB>(st: &'q Statement<'_>) -> Query<'q, DB, <DB as Database>::Arguments<'q>>
where
    DB: Database,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    Option<&'q str>: Encode<'q, DB> + Type<DB>,
    bool: Encode<'q, DB> + Type<DB>,
{
    let mut query = sqlx::query::<DB>(st.sql.as_ref());
    for value in &st.params {
        query = match value {
            Value::Int(v) => query.bind(*v),
            Value::Text(v) => query.bind(v.as_deref()),
            Value::Bool(v) => query.bind(*v),
        };
    }
    query
}

impl<R> Columns for R
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    i64: Type<R::Database> + for<'r> Decode<'r, R::Database>,
    String: Type<R::Database> + for<'r> Decode<'r, R::Database>,
    bool: Type<R::Database> + for<'r> Decode<'r, R::Database>,
{
    fn int(&self, column: &str) -> Result<i64, StoreError> {
        self.try_get(column).map_err(database_error)
    }

    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        self.try_get(column).map_err(database_error)
    }

    fn text(&self, column: &str) -> Result<String, StoreError> {
        self.try_get(column).map_err(database_error)
    }

    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        self.try_get(column).map_err(database_error)
    }

    fn flag(&self, column: &str) -> Result<bool, StoreError> {
        self.try_get(column).map_err(database_error)
    }
}

/// Implements [`SqlConnection`](crate::sql_backend::SqlConnection) for a sqlx backend:
/// `$store` reads on its pool `$read`, writes single statements on `$write`, runs
/// transactions of `$db`, maps driver errors with `$error` and carries `$migrator`'s
/// migrations. What is left to the backend is what it does its own way.
#[macro_export]
macro_rules! sqlx_connection {
    ($store:ty, $db:ty, read: $read:ident, write: $write:ident, error: $error:path, migrator: $migrator:path) => {
        #[async_trait::async_trait]
        impl $crate::sql_backend::SqlConnection for $store {
            type Row = <$db as sqlx::Database>::Row;
            type Tx = sqlx::Transaction<'static, $db>;

            fn migrations(&self) -> usize {
                $migrator.iter().count()
            }

            async fn read(&self, st: $crate::Statement<'_>) -> Result<Vec<Self::Row>, $crate::StoreError> {
                $crate::driver::query(&st).fetch_all(&self.$read).await.map_err($error)
            }

            async fn write(&self, st: $crate::Statement<'_>) -> Result<u64, $crate::StoreError> {
                Ok($crate::driver::query(&st).execute(&self.$write).await.map_err($error)?.rows_affected())
            }

            async fn fetch(
                &self,
                tx: &mut Self::Tx,
                st: $crate::Statement<'_>,
            ) -> Result<Vec<Self::Row>, $crate::StoreError> {
                $crate::driver::query(&st).fetch_all(&mut **tx).await.map_err($error)
            }

            async fn execute(&self, tx: &mut Self::Tx, st: $crate::Statement<'_>) -> Result<u64, $crate::StoreError> {
                Ok($crate::driver::query(&st).execute(&mut **tx).await.map_err($error)?.rows_affected())
            }

            async fn commit_tx(&self, tx: Self::Tx) -> Result<(), $crate::StoreError> {
                tx.commit().await.map_err($error)
            }
        }
    };
}
