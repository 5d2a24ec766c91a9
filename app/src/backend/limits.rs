//! Rate limits: how often one client address, or one account, may sign
//! in, sign up or write. GCRA from the `governor` crate, keyed per client;
//! a caller over a limit gets 429 with `Retry-After` at once, and nothing
//! else is done for it.
//!
//! Client addresses are limited by the HTTP layer (it knows them); accounts
//! here, by the services and the identity checks that know the account.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::tokens::UserId;
use crate::error::AppError;

/// Requests a minute allowed per client address and per account, for
/// each kind of request; a burst of the same size is allowed. `0` is no limit.
#[derive(Clone, Copy, Debug)]
pub struct RateSettings {
    pub sign_in_per_address: u32,
    pub sign_in_per_account: u32,
    pub sign_up_per_address: u32,
    pub writes_per_address: u32,
    pub writes_per_account: u32,
    pub beacons_per_address: u32,
}

impl RateSettings {
    /// No limit at all.
    pub const OFF: Self = Self {
        sign_in_per_address: 0,
        sign_in_per_account: 0,
        sign_up_per_address: 0,
        writes_per_address: 0,
        writes_per_account: 0,
        beacons_per_address: 0,
    };
}

/// What a request does, for the limits that apply to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    SignIn,
    SignUp,
    Write,
    /// A browser's page timings: a budget of its own, so that they never
    /// take from its writes'.
    Beacon,
}

pub struct RateLimits {
    sign_in_by_address: Limiter<IpAddr>,
    sign_in_by_account: Limiter<i64>,
    sign_up_by_address: Limiter<IpAddr>,
    writes_by_address: Limiter<IpAddr>,
    writes_by_account: Limiter<i64>,
    beacons_by_address: Limiter<IpAddr>,
}

impl RateLimits {
    pub fn new(settings: RateSettings) -> Self {
        Self {
            sign_in_by_address: Limiter::per_minute(settings.sign_in_per_address),
            sign_in_by_account: Limiter::per_minute(settings.sign_in_per_account),
            sign_up_by_address: Limiter::per_minute(settings.sign_up_per_address),
            writes_by_address: Limiter::per_minute(settings.writes_per_address),
            writes_by_account: Limiter::per_minute(settings.writes_per_account),
            beacons_by_address: Limiter::per_minute(settings.beacons_per_address),
        }
    }

    /// A request of `kind` from `address`: 429 when that address is over its limit.
    pub fn from_address(&self, kind: Kind, address: IpAddr) -> Result<(), AppError> {
        let limiter = match kind {
            Kind::SignIn => &self.sign_in_by_address,
            Kind::SignUp => &self.sign_up_by_address,
            Kind::Write => &self.writes_by_address,
            Kind::Beacon => &self.beacons_by_address,
        };
        limiter.check(&client_key(address))
    }

    /// A sign-in attempt for the account `user`.
    pub fn sign_in_as(&self, user: UserId) -> Result<(), AppError> {
        self.sign_in_by_account.check(&user.0)
    }

    /// A write by `user`.
    pub fn write_by(&self, user: UserId) -> Result<(), AppError> {
        self.writes_by_account.check(&user.0)
    }

    /// Forgets clients whose limits have fully recovered; run periodically so
    /// that the tables hold recent clients only.
    pub fn forget_idle(&self) {
        self.sign_in_by_address.forget_idle();
        self.sign_in_by_account.forget_idle();
        self.sign_up_by_address.forget_idle();
        self.writes_by_address.forget_idle();
        self.writes_by_account.forget_idle();
        self.beacons_by_address.forget_idle();
    }
}

/// IPv6 clients usually hold a whole /64: limiting single addresses would
/// let one of them rotate through 2^64 keys.
fn client_key(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(prefix.into())
        }
        v4 => v4,
    }
}

/// One keyed limiter, or none when its quota is 0.
struct Limiter<K: Hash + Eq + Clone>(Option<DefaultKeyedRateLimiter<K>>);

impl<K: Hash + Eq + Clone> Limiter<K> {
    fn per_minute(quota: u32) -> Self {
        Self(NonZeroU32::new(quota).map(|n| RateLimiter::keyed(Quota::per_minute(n))))
    }

    fn check(&self, key: &K) -> Result<(), AppError> {
        let Some(limiter) = &self.0 else {
            return Ok(());
        };
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            // Whole seconds, rounded up: a client that waits that long gets in.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            AppError::TooManyRequests(secs.max(1))
        })
    }

    fn forget_idle(&self) {
        if let Some(limiter) = &self.0 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_over_its_limit_is_told_when_to_come_back() {
        let limits = RateLimits::new(RateSettings {
            sign_in_per_address: 2,
            ..RateSettings::OFF
        });
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let other: IpAddr = "203.0.113.8".parse().unwrap();
        assert!(limits.from_address(Kind::SignIn, client).is_ok());
        assert!(limits.from_address(Kind::SignIn, client).is_ok());
        let refused = limits.from_address(Kind::SignIn, client).unwrap_err();
        assert!(matches!(refused, AppError::TooManyRequests(secs) if (1..=30).contains(&secs)));
        assert!(
            limits.from_address(Kind::SignIn, other).is_ok(),
            "per client"
        );
        for _ in 0..100 {
            assert!(
                limits.from_address(Kind::SignUp, client).is_ok(),
                "0 is no limit"
            );
        }
    }

    #[test]
    fn ipv6_clients_are_limited_by_their_64_prefix() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(client_key(mapped), "203.0.113.7".parse::<IpAddr>().unwrap());
    }
}
