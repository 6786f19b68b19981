//! The same behaviour asked of both stores; Redis runs when ROSTER_TEST_REDIS_URL is set.

use std::time::Duration;

use uuid::Uuid;

use super::*;

fn record(member: Uuid, absolute_in_ms: i64) -> SessionRecord {
    SessionRecord {
        member_id: member,
        created_at_ms: now_ms(),
        absolute_expires_at_ms: now_ms() + absolute_in_ms,
        restricted: false,
    }
}

async fn sessions_behave(store: &dyn SessionStore) {
    let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let idle = Duration::from_secs(60);
    store.create("t1", "a1", &record(alice, 60_000), idle).await.unwrap();
    store.create("t1", "a2", &record(alice, 60_000), idle).await.unwrap();
    store.create("t1", "b1", &record(bob, 60_000), idle).await.unwrap();

    assert_eq!(store.touch("t1", "a1", idle).await.unwrap().unwrap().member_id, alice);
    assert!(
        store.touch("t2", "a1", idle).await.unwrap().is_none(),
        "bound to its tenant"
    );

    assert_eq!(store.remove_member_sessions("t1", alice, Some("a2")).await.unwrap(), 1);
    assert!(store.touch("t1", "a1", idle).await.unwrap().is_none());
    assert!(store.touch("t1", "a2", idle).await.unwrap().is_some(), "kept");
    assert!(store.remove("t1", "a2").await.unwrap());
    assert!(!store.remove("t1", "a2").await.unwrap());
    assert!(
        store.touch("t1", "b1", idle).await.unwrap().is_some(),
        "others untouched"
    );

    // Absolute expiry wins over activity; idle expiry ends unused sessions.
    store.create("t1", "old", &record(bob, 150), idle).await.unwrap();
    store
        .create("t1", "idle", &record(bob, 60_000), Duration::from_millis(150))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(store.touch("t1", "old", idle).await.unwrap().is_none());
    assert!(store.touch("t1", "idle", idle).await.unwrap().is_none());
}

async fn counters_behave(limiter: &dyn RateLimiter) {
    let key = format!("test:{}", Uuid::new_v4());
    assert_eq!(limiter.peek(&key).await.unwrap().count, 0);
    for expected in 1..=3 {
        let w = limiter.hit(&key, Duration::from_millis(400)).await.unwrap();
        assert_eq!(w.count, expected);
        assert!(w.resets_in <= Duration::from_millis(400) && w.resets_in > Duration::ZERO);
    }
    assert_eq!(limiter.peek(&key).await.unwrap().count, 3);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(limiter.peek(&key).await.unwrap().count, 0, "window over");
    limiter.hit(&key, Duration::from_secs(5)).await.unwrap();
    limiter.hit(&key, Duration::from_secs(5)).await.unwrap();
    limiter.release(&key).await.unwrap();
    let after_release = limiter.peek(&key).await.unwrap();
    assert_eq!(after_release.count, 1, "one unit given back");
    assert!(
        after_release.resets_in > Duration::from_secs(3),
        "the window keeps its end"
    );
    limiter.release(&key).await.unwrap();
    limiter.release(&key).await.unwrap();
    assert_eq!(limiter.peek(&key).await.unwrap().count, 0, "never below zero");
    let absent = format!("test:{}", Uuid::new_v4());
    limiter.release(&absent).await.unwrap();
    assert_eq!(
        limiter.peek(&absent).await.unwrap(),
        RateWindow {
            count: 0,
            resets_in: Duration::ZERO
        }
    );
    limiter.hit(&key, Duration::from_secs(5)).await.unwrap();
    limiter.clear(&key).await.unwrap();
    assert_eq!(limiter.peek(&key).await.unwrap().count, 0);
}

#[tokio::test]
async fn memory_store() {
    let store = MemoryStore::new();
    sessions_behave(&store).await;
    counters_behave(&store).await;
}

#[tokio::test]
async fn redis_store() {
    let Ok(url) = std::env::var("ROSTER_TEST_REDIS_URL") else {
        return; // the embedded run; CI runs this against Redis
    };
    let store = RedisStore::new(&url, &format!("rostertest:{}:", Uuid::new_v4()), None).unwrap();
    sessions_behave(&store).await;
    counters_behave(&store).await;
}

#[tokio::test]
async fn redis_down_fails_closed() {
    // Nothing listens on port 1: the store must answer an error quickly, not hang or panic.
    let store = RedisStore::new("redis://127.0.0.1:1/0", "x:", None).unwrap();
    let started = std::time::Instant::now();
    assert!(store.touch("t", "h", Duration::from_secs(1)).await.is_err());
    assert!(store.ping().await.is_err());
    assert!(started.elapsed() < Duration::from_secs(10));
}
