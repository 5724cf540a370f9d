//! Two senders sharing one PostgreSQL outbox, as two `baton serve` replicas do, in the
//! database named by `BATON_TEST_PG_URL` (default: the local test server).

use baton_store_postgres::PgStore;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

fn url() -> String {
    std::env::var("BATON_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

#[tokio::test]
async fn two_senders_on_one_postgres_deliver_each_message_once() {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
    let schema = format!("baton_test_notify_{}_{nanos}", std::process::id());
    let first = PgStore::connect_in_schema(&url(), &schema).await.unwrap();
    let second = PgStore::connect_in_schema(&url(), &schema).await.unwrap();
    crate::common::two_senders_deliver_each_message_once(Arc::new(first), Arc::new(second)).await;
}
