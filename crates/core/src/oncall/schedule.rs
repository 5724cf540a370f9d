//! The schedule: which shifts a rotation produces and who is on call at an instant, and why.
//!
//! Time is cut into *slots* by shift changes: a daily rotation has one slot per working day
//! (with [`NonWorkingDay::Extend`] it lasts until the next working day's shift change; with a
//! weekend layer each run of non-working days is a slot of that layer), a weekly or
//! whole-day cadence one slot per n local days, any other period one slot per fixed
//! duration. A slot's index in its layer is computed directly (working days between the
//! start and the date, O(1) plus binary searches in the holidays), and the index decides
//! the person: membership era, then cycle and position in the cycle's order. A cycle's
//! order is balanced on the load of the cycles before it ([`super::balance`]), so the first
//! question about a cycle walks the era's cycles once (weighing slots, not building shifts)
//! and the rotation keeps every order it computed ([`Orders`]). Overrides then replace
//! parts of slots. Generating shifts walks slots one shift change at a time.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};

use super::balance::{balanced_order, span_weight};
use super::calendar::{add_days, days_between, WorkingCalendar};
use super::leave::{Debt, Leave, LeavePlan, Substitute, Substitution, UncoveredShift};
use super::overrides::OverrideKind;
use super::rotation::{Cadence, LayerRoster, NonWorkingDay, Rotation, RotationSpec};
use super::shift_change::{shift_change, shift_change_at, ShiftChange, ShiftChangeKind};
use super::shuffle::{cycle_seed, Reshuffle};
use crate::PersonId;

/// Which layer of the rotation a shift comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Layer {
    /// The main list.
    Primary,
    /// The weekend list of [`NonWorkingDay::WeekendLayer`].
    Weekend,
    /// An override or swap.
    Override,
}

/// Why a shift belongs to its person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ShiftReason))]
#[serde(rename_all = "kebab-case", tag = "rule")]
pub enum Reason {
    /// Their turn in the list: membership era, cycle (0 = the list as written, then one
    /// reshuffle per cycle) and place in that cycle's order.
    Turn { era: u64, cycle: u64, position: u64 },
    /// An override (or half of a swap) of `covered`'s time.
    Override { covered: PersonId, kind: OverrideKind },
    /// The turn of `away`, who is on leave: passed to this person, and owed back.
    CoversLeave { away: PersonId, era: u64, cycle: u64, position: u64 },
    /// The turn of `owed_to`, worked to repay a turn they took during this person's leave.
    Repays { owed_to: PersonId, era: u64, cycle: u64, position: u64 },
}

/// One vocabulary for a turn everywhere it is shown (pages, CLI, iCal): "turn 2 of cycle
/// 31", cycles counted from 0 (the list as written), the membership era named after a change.
pub fn describe_turn(era: u64, cycle: u64, position: u64) -> String {
    let membership = if era > 0 { format!(" (membership {era})") } else { String::new() };
    format!("turn {} of cycle {cycle}{membership}", position + 1)
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Turn { era, cycle, position } => f.write_str(&describe_turn(*era, *cycle, *position)),
            Reason::Override { covered, kind: OverrideKind::Cover } => write!(f, "covering for {covered}"),
            Reason::Override { covered, kind: OverrideKind::Swap } => write!(f, "swapped with {covered}"),
            Reason::CoversLeave { away, era, cycle, position } => {
                write!(f, "{away}'s {} ({away} on leave, owes it back)", describe_turn(*era, *cycle, *position))
            }
            Reason::Repays { owed_to, era, cycle, position } => {
                write!(
                    f,
                    "{owed_to}'s {}, repaying the turn {owed_to} took during leave",
                    describe_turn(*era, *cycle, *position)
                )
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    pub person: PersonId,
    pub start: Timestamp,
    pub end: Timestamp,
    pub layer: Layer,
    pub reason: Reason,
    /// The follow-the-sun region whose hours these are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl Shift {
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }
    pub fn duration(&self) -> SignedDuration {
        self.end.duration_since(self.start)
    }
}

/// Why a person is on call at one instant: the rule that put them there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case", tag = "rule")]
pub enum Why {
    /// Their working-day (or weekly, or shift-length) turn.
    Turn { era: u64, cycle: u64, position: u64 },
    /// A non-working day: the shift of working day `from` extends over it.
    Extended { from: Date, era: u64, cycle: u64, position: u64 },
    /// A non-working day covered by the weekend layer.
    WeekendLayer { era: u64, cycle: u64, position: u64 },
    /// An override or swap of `covered`'s time.
    Override { covered: PersonId, kind: OverrideKind },
    /// The turn of `away`, who is on leave (see [`Reason::CoversLeave`]).
    CoversLeave { away: PersonId, era: u64, cycle: u64, position: u64 },
    /// Repaying a turn `owed_to` took during this person's leave (see [`Reason::Repays`]).
    Repays { owed_to: PersonId, era: u64, cycle: u64, position: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnCall {
    pub person: PersonId,
    /// The stretch of time (after overrides) this person holds, containing the instant.
    pub shift: Shift,
    pub why: Why,
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    DailyExtend,
    DailyLayer,
    Days(i64),
    Fixed { origin: Timestamp, seconds: i64 },
}

/// The slot arithmetic of a rotation: zone, shift change time, calendar, cadence.
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    pub tz: TimeZone,
    time: Time,
    mode: Mode,
    calendar: WorkingCalendar,
    start: Date,
    /// The date of the first slot.
    anchor: Date,
}

#[derive(Debug, Clone)]
pub(crate) struct Slot {
    layer: Layer,
    index: i64,
    start: Timestamp,
    end: Timestamp,
    /// The date whose shift change starts the slot, and the one whose shift change ends it.
    start_day: Date,
    end_day: Date,
}

/// Slots are looked for at most this many shift changes ahead (a decade of days).
const SEARCH_LIMIT: usize = 4000;

impl Grid {
    pub(crate) fn new(spec: &RotationSpec, tz: TimeZone) -> Grid {
        let mode = match (spec.cadence, &spec.non_working) {
            (Cadence::Daily, NonWorkingDay::Extend) => Mode::DailyExtend,
            (Cadence::Daily, NonWorkingDay::WeekendLayer(_)) => Mode::DailyLayer,
            (Cadence::Weekly, _) => Mode::Days(7),
            (Cadence::Every(p), _) if p.as_seconds() % 86_400 == 0 => Mode::Days(p.as_seconds() / 86_400),
            (Cadence::Every(p), _) => {
                Mode::Fixed { origin: shift_change_at(spec.start, spec.handoff, &tz), seconds: p.as_seconds() }
            }
        };
        let anchor = match mode {
            Mode::DailyExtend => spec.calendar.working_day_on_or_after(spec.start).unwrap_or(spec.start),
            _ => spec.start,
        };
        Grid { tz, time: spec.handoff, mode, calendar: spec.calendar.clone(), start: spec.start, anchor }
    }

    fn h(&self, d: Date) -> Timestamp {
        shift_change_at(d, self.time, &self.tz)
    }

    /// The latest date whose shift change is at or before `t`.
    fn day_at(&self, t: Timestamp) -> Date {
        let mut d = self.tz.to_datetime(t).date();
        while self.h(d) > t {
            d = add_days(d, -1);
        }
        // Only a fold across midnight can put the next day's shift change before `t`.
        loop {
            let next = add_days(d, 1);
            if self.h(next) > t {
                return d;
            }
            d = next;
        }
    }

    fn weekend_index(&self, run_start: Date) -> i64 {
        if run_start <= self.start {
            return 0;
        }
        let first = i64::from(!self.calendar.is_working_day(self.start));
        first + self.calendar.run_starts_between(add_days(self.start, 1), run_start)
    }

    /// The slot that starts with `day`'s shift change (`day` must be a slot boundary).
    fn slot_on(&self, day: Date, start: Option<Timestamp>) -> Slot {
        let cal = &self.calendar;
        let (layer, index, end_day) = match self.mode {
            Mode::DailyExtend => {
                let next = cal.working_day_on_or_after(add_days(day, 1)).unwrap_or(Date::MAX);
                (Layer::Primary, cal.working_days_between(self.anchor, day), next)
            }
            Mode::DailyLayer if cal.is_working_day(day) => {
                (Layer::Primary, cal.working_days_between(self.anchor, day), add_days(day, 1))
            }
            Mode::DailyLayer => {
                let next = cal.working_day_on_or_after(add_days(day, 1)).unwrap_or(Date::MAX);
                (Layer::Weekend, self.weekend_index(day), next)
            }
            Mode::Days(n) => (Layer::Primary, days_between(self.start, day).div_euclid(n), add_days(day, n)),
            Mode::Fixed { .. } => unreachable!("fixed slots are not day based"),
        };
        let start = start.unwrap_or_else(|| self.h(day));
        Slot { layer, index, start, end: self.h(end_day), start_day: day, end_day }
    }

    fn fixed_slot(&self, origin: Timestamp, seconds: i64, index: i64) -> Slot {
        let at = |k: i64| origin.saturating_add(SignedDuration::from_secs(k.saturating_mul(seconds))).unwrap_or(origin);
        Slot {
            layer: Layer::Primary,
            index,
            start: at(index),
            end: at(index + 1),
            start_day: self.start,
            end_day: self.start,
        }
    }

    /// The boundary day of the slot containing day `d`, or `None` before the first slot.
    fn boundary_day(&self, d: Date) -> Option<Date> {
        if d < self.anchor {
            return None;
        }
        let cal = &self.calendar;
        match self.mode {
            Mode::DailyExtend => cal.working_day_on_or_before(d),
            Mode::DailyLayer => {
                let mut b = d;
                if !cal.is_working_day(b) {
                    while b > self.start && !cal.is_working_day(add_days(b, -1)) {
                        b = add_days(b, -1);
                    }
                }
                Some(b)
            }
            Mode::Days(n) => Some(add_days(self.start, days_between(self.start, d).div_euclid(n) * n)),
            Mode::Fixed { .. } => None,
        }
    }

    pub(crate) fn first_slot(&self) -> Slot {
        match self.mode {
            Mode::Fixed { origin, seconds } => self.fixed_slot(origin, seconds, 0),
            _ => self.slot_on(self.anchor, None),
        }
    }

    /// The slot containing `t` and the day whose shift change last passed, or `None` before the
    /// rotation's first shift change.
    fn slot_at(&self, t: Timestamp) -> Option<(Slot, Date)> {
        if let Mode::Fixed { origin, seconds } = self.mode {
            if t < origin {
                return None;
            }
            let k = t.duration_since(origin).as_secs().div_euclid(seconds);
            return Some((self.fixed_slot(origin, seconds, k), self.start));
        }
        let day = self.day_at(t);
        let b = self.boundary_day(day)?;
        Some((self.slot_on(b, None), day))
    }

    fn next_slot(&self, slot: &Slot) -> Slot {
        match self.mode {
            Mode::Fixed { origin, seconds } => self.fixed_slot(origin, seconds, slot.index + 1),
            _ => self.slot_on(slot.end_day, Some(slot.end)),
        }
    }

    /// The first slot of `layer` starting at or after `t`, if any within the search limit.
    pub(crate) fn first_of_layer(&self, layer: Layer, t: Timestamp) -> Option<Slot> {
        let mut slot = self.slot_at(t).map(|(s, _)| s).unwrap_or_else(|| self.first_slot());
        for _ in 0..SEARCH_LIMIT {
            if slot.layer == layer && slot.start >= t {
                return Some(slot);
            }
            slot = self.next_slot(&slot);
        }
        None
    }

    /// The index in `layer` of its first slot starting at or after `t` (`i64::MAX` if
    /// none within the search limit).
    pub(crate) fn first_slot_at_or_after(&self, layer: Layer, t: Timestamp) -> i64 {
        self.first_of_layer(layer, t).map_or(i64::MAX, |s| s.index)
    }

    /// The slot of the same layer after `slot`.
    fn next_of_layer(&self, slot: &Slot) -> Slot {
        let mut next = self.next_slot(slot);
        for _ in 0..SEARCH_LIMIT {
            if next.layer == slot.layer {
                break;
            }
            next = self.next_slot(&next);
        }
        next
    }

    /// The slot's weight for the balanced reshuffle (see [`super::balance`]).
    fn slot_weight(&self, slot: &Slot) -> i64 {
        let minute = |t: Time| i64::from(t.hour()) * 60 + i64::from(t.minute());
        let local = |t: Timestamp| {
            let dt = self.tz.to_datetime(t);
            (dt.date(), minute(dt.time()))
        };
        match self.mode {
            Mode::Fixed { .. } => span_weight(&self.calendar, local(slot.start), local(slot.end)),
            _ if slot.start >= slot.end => 0,
            _ => span_weight(&self.calendar, (slot.start_day, minute(self.time)), (slot.end_day, minute(self.time))),
        }
    }
}

/// Who holds slot `index` of a layer: (person, era, cycle, position).
struct Assignment<'a> {
    person: &'a PersonId,
    era: u64,
    cycle: u64,
    position: u64,
}

/// A walk through one layer's cycles of one membership era, carrying each member's load:
/// the balanced order of a cycle depends on every cycle before it.
#[derive(Debug, Clone)]
struct Walk {
    salt: u64,
    era: usize,
    cycle: u64,
    order: Vec<usize>,
    loads: Vec<i64>,
    /// The weights of the next cycle's places (the balance looks one cycle ahead).
    upcoming: Vec<i64>,
    /// The first slot of the cycle after that.
    next: Slot,
}

/// The orders of one layer's era, cycle by cycle, and the walk that extends them.
#[derive(Debug)]
struct EraOrders {
    salt: u64,
    era: usize,
    orders: Vec<Arc<[usize]>>,
    walk: Walk,
}

/// Every cycle order computed so far, kept with the rotation: a question about any date
/// walks the era once, and later ones read. Shared by the rotation's clones (overrides,
/// which clones may differ by, do not move turns).
#[derive(Debug, Default, Clone)]
pub(crate) struct Orders(Arc<Mutex<Vec<EraOrders>>>);

/// The last order looked up per layer, so walking slots locks [`Orders`] once per cycle.
#[derive(Default)]
struct OrderCache {
    last: Vec<(u64, usize, u64, Arc<[usize]>)>,
}

impl Walk {
    /// Cycle 0 of an era: the list as written.
    fn start(grid: &Grid, salt: u64, era: usize, first: Slot, members: usize) -> Walk {
        let mut walk = Walk {
            salt,
            era,
            cycle: 0,
            order: (0..members).collect(),
            loads: vec![0; members],
            upcoming: Vec::new(),
            next: first,
        };
        let weights = walk.weigh_next(grid, members);
        for (place, weight) in weights.into_iter().enumerate() {
            walk.loads[place] += weight;
        }
        walk.upcoming = walk.weigh_next(grid, members);
        walk
    }

    /// The weights of the next `members` slots of the layer, moving past them.
    fn weigh_next(&mut self, grid: &Grid, members: usize) -> Vec<i64> {
        (0..members)
            .map(|_| {
                let weight = grid.slot_weight(&self.next);
                self.next = grid.next_of_layer(&self.next);
                weight
            })
            .collect()
    }

    /// On to the next cycle, balanced on the loads so far.
    fn advance(&mut self, grid: &Grid, seed: u64) {
        let members = self.order.len();
        let places = std::mem::take(&mut self.upcoming);
        self.upcoming = self.weigh_next(grid, members);
        let previous_last = self.order[members - 1];
        self.cycle += 1;
        let tie_seed = cycle_seed(seed, self.salt, self.era as u64, self.cycle);
        self.order = balanced_order(&self.loads, &places, &self.upcoming, tie_seed, previous_last);
        for (place, &person) in self.order.iter().enumerate() {
            self.loads[person] += places[place];
        }
    }
}

impl LayerRoster {
    /// The order of `cycle` of era `era`, as indices into the era's members.
    fn order(&self, rotation: &Rotation, era: usize, cycle: u64, cache: &mut OrderCache) -> Arc<[usize]> {
        let key = (self.salt, era, cycle);
        if let Some((.., order)) = cache.last.iter().find(|(s, e, c, _)| (*s, *e, *c) == key) {
            return order.clone();
        }
        let grid = &rotation.grid;
        let mut all = rotation.orders.0.lock().expect("not poisoned");
        let at = match all.iter().position(|o| o.salt == self.salt && o.era == era) {
            Some(i) => i,
            None => {
                let e = &self.eras[era];
                // Era 0 starts at the rotation's first shift change (`from` is the beginning of time).
                let from = e.from.max(grid.first_slot().start);
                let first = grid.first_of_layer(self.layer, from).unwrap_or_else(|| grid.first_slot());
                let walk = Walk::start(grid, self.salt, era, first, e.members.len());
                all.push(EraOrders { salt: self.salt, era, orders: vec![walk.order.clone().into()], walk });
                all.len() - 1
            }
        };
        let known = &mut all[at];
        while known.orders.len() as u64 <= cycle {
            known.walk.advance(grid, rotation.spec.seed);
            known.orders.push(known.walk.order.clone().into());
        }
        let order = known.orders[cycle as usize].clone();
        cache.last.retain(|(s, ..)| *s != self.salt);
        cache.last.push((self.salt, era, cycle, order.clone()));
        order
    }

    fn assign<'a>(&'a self, rotation: &Rotation, index: i64, cache: &mut OrderCache) -> Assignment<'a> {
        let era = self.eras.partition_point(|e| e.first_slot <= index).saturating_sub(1);
        let e = &self.eras[era];
        let k = (index - e.first_slot).max(0) as u64;
        let m = e.members.len() as u64;
        let (cycle, position) = (k / m, k % m);
        let order = self.order(rotation, era, cycle, cache);
        Assignment { person: &e.members[order[position as usize]], era: era as u64, cycle, position }
    }
}

impl Rotation {
    fn roster(&self, layer: Layer) -> &LayerRoster {
        match layer {
            Layer::Weekend => self.weekend.as_ref().unwrap_or(&self.primary),
            _ => &self.primary,
        }
    }

    /// The slot's turn, after leave.
    fn base_shift(&self, slot: &Slot, cache: &mut OrderCache) -> Shift {
        let a = self.roster(slot.layer).assign(self, slot.index, cache);
        let (era, cycle, position) = (a.era, a.cycle, a.position);
        let (person, reason) = match self.leave.at(slot.layer, slot.start) {
            None => (a.person.clone(), Reason::Turn { era, cycle, position }),
            Some(sub) => (
                sub.holder.clone(),
                match &sub.what {
                    Substitute::CoversLeave { away } => {
                        Reason::CoversLeave { away: away.clone(), era, cycle, position }
                    }
                    Substitute::Repays { owed_to } => Reason::Repays { owed_to: owed_to.clone(), era, cycle, position },
                },
            ),
        };
        Shift { person, start: slot.start, end: slot.end, layer: slot.layer, reason, region: None }
    }

    /// Cuts the overrides that apply out of `base`, pushing the pieces in time order.
    fn split(&self, base: Shift, out: &mut Vec<Shift>) {
        let first = self.overrides.partition_point(|o| o.end <= base.start);
        let mut cursor = base.start;
        for o in &self.overrides[first..] {
            if o.start >= base.end {
                break;
            }
            if !o.applies_to(&base.person) {
                continue;
            }
            let (s, e) = (o.start.max(base.start), o.end.min(base.end));
            if s > cursor {
                out.push(Shift { start: cursor, end: s, ..base.clone() });
            }
            out.push(Shift {
                person: o.covering.clone(),
                start: s,
                end: e,
                layer: Layer::Override,
                reason: Reason::Override { covered: base.person.clone(), kind: o.kind },
                region: base.region.clone(),
            });
            cursor = e;
        }
        if cursor < base.end {
            out.push(Shift { start: cursor, ..base });
        }
    }

    /// The first shift change of the rotation: nobody is on call before it.
    pub fn first_shift_change(&self) -> Timestamp {
        if self.regions.is_empty() {
            self.grid.first_slot().start
        } else {
            self.regions_start()
        }
    }

    /// Every shift overlapping `[from, to)`, in order, after overrides. They tile time: each
    /// ends where the next starts, the first contains `from` (or starts at the first
    /// shift change) and the last reaches `to`. Shifts are not clipped to the range.
    pub fn shifts(&self, from: Timestamp, to: Timestamp) -> Vec<Shift> {
        let mut out = Vec::new();
        if to <= from {
            return out;
        }
        if !self.regions.is_empty() {
            let mut t = from.max(self.first_shift_change());
            let mut pieces = Vec::new();
            while t < to {
                let Some((base, _)) = self.region_shift(t) else { break };
                t = base.end;
                self.split(base, &mut pieces);
                out.extend(pieces.drain(..).filter(|p| p.end > from && p.start < to));
            }
            return out;
        }
        let mut slot = match self.grid.slot_at(from) {
            Some((s, _)) => s,
            None => self.grid.first_slot(),
        };
        let mut cache = OrderCache::default();
        let mut pieces = Vec::new();
        while slot.start < to {
            // A date that does not exist locally (Samoa, 2011-12-30) makes an empty slot.
            if slot.start < slot.end {
                pieces.clear();
                self.split(self.base_shift(&slot, &mut cache), &mut pieces);
                out.extend(pieces.drain(..).filter(|p| p.end > from && p.start < to));
            }
            slot = self.grid.next_slot(&slot);
        }
        out
    }

    /// Who is on call at `t`, the stretch they hold, and why; `None` before the first shift change.
    pub fn on_call_at(&self, t: Timestamp) -> Option<OnCall> {
        if !self.regions.is_empty() {
            if t < self.first_shift_change() {
                return None;
            }
            let (base, inner) = self.region_shift(t)?;
            let mut pieces = Vec::with_capacity(1);
            self.split(base, &mut pieces);
            let shift = pieces.into_iter().find(|p| p.contains(t))?;
            let why = match &shift.reason {
                Reason::Override { covered, kind } => Why::Override { covered: covered.clone(), kind: *kind },
                _ => inner.why,
            };
            return Some(OnCall { person: shift.person.clone(), shift, why });
        }
        let (slot, day) = self.grid.slot_at(t)?;
        let mut cache = OrderCache::default();
        let base = self.base_shift(&slot, &mut cache);
        let mut pieces = Vec::with_capacity(1);
        self.split(base, &mut pieces);
        let shift = pieces.into_iter().find(|p| p.contains(t))?;
        let why = match (&shift.reason, shift.layer) {
            (Reason::Override { covered, kind }, _) => Why::Override { covered: covered.clone(), kind: *kind },
            (Reason::CoversLeave { away, era, cycle, position }, _) => {
                Why::CoversLeave { away: away.clone(), era: *era, cycle: *cycle, position: *position }
            }
            (Reason::Repays { owed_to, era, cycle, position }, _) => {
                Why::Repays { owed_to: owed_to.clone(), era: *era, cycle: *cycle, position: *position }
            }
            (&Reason::Turn { era, cycle, position }, Layer::Weekend) => Why::WeekendLayer { era, cycle, position },
            (&Reason::Turn { era, cycle, position }, _)
                if matches!(self.grid.mode, Mode::DailyExtend) && day != slot.start_day =>
            {
                Why::Extended { from: slot.start_day, era, cycle, position }
            }
            (&Reason::Turn { era, cycle, position }, _) => Why::Turn { era, cycle, position },
        };
        Some(OnCall { person: shift.person.clone(), shift, why })
    }

    /// The first shift starting after `t`: the next handover.
    pub fn next(&self, t: Timestamp) -> Option<Shift> {
        let mut at = match self.on_call_at(t) {
            Some(now) => now.shift.end,
            None => self.first_shift_change(),
        };
        for _ in 0..SEARCH_LIMIT {
            if let Some(next) = self.on_call_at(at) {
                return Some(next.shift);
            }
            // Only past the end of representable time is there no shift.
            at = at.checked_add(SignedDuration::from_secs(1)).ok()?;
        }
        None
    }

    /// The order of a cycle of a layer's membership era, as it will be (or was) drawn:
    /// the preview of future reshuffles, and the record for the on-call log.
    pub fn reshuffle(&self, layer: Layer, era: u64, cycle: u64) -> Option<Reshuffle> {
        let roster = match layer {
            Layer::Primary => &self.primary,
            Layer::Weekend => self.weekend.as_ref()?,
            Layer::Override => return None,
        };
        let members = &roster.eras.get(era as usize)?.members;
        let mut cache = OrderCache::default();
        let mut order = |c: u64| roster.order(self, era as usize, c, &mut cache).to_vec();
        let shuffled_by = cycle.checked_sub(1).map(|prev| members[*order(prev).last().expect("non-empty")].clone());
        Some(Reshuffle {
            era,
            cycle,
            seed: cycle_seed(self.spec.seed, roster.salt, era, cycle),
            shuffled_by,
            order: order(cycle).into_iter().map(|i| members[i].clone()).collect(),
        })
    }

    /// The shift changes between two dates whose local time had to be moved by the DST rule
    /// (see [`super::shift_change`]), so a preview can say so.
    pub fn dst_adjustments(&self, from: Date, to: Date) -> Vec<ShiftChange> {
        let mut out = Vec::new();
        let mut d = from;
        while d < to {
            let h = shift_change(d, self.spec.handoff, &self.grid.tz);
            if h.kind != ShiftChangeKind::Exact {
                out.push(h);
            }
            d = add_days(d, 1);
        }
        out
    }
}

/// Free-function forms, for callers that hold a `&Rotation` (benchmarks, the engine).
pub fn shifts(rotation: &Rotation, from: Timestamp, to: Timestamp) -> Vec<Shift> {
    rotation.shifts(from, to)
}
pub fn on_call_at(rotation: &Rotation, t: Timestamp) -> Option<OnCall> {
    rotation.on_call_at(t)
}
pub fn next(rotation: &Rotation, t: Timestamp) -> Option<Shift> {
    rotation.next(t)
}

/// Slots walked at most while planning one layer's leave (two decades of daily shifts).
const LEAVE_WALK_LIMIT: usize = 8000;

impl Rotation {
    /// This rotation with `leaves` applied (replacing any applied before): the turns of
    /// people on leave recorded in time pass to others and are owed back ([`super::leave`]).
    pub fn with_leave(&self, leaves: impl IntoIterator<Item = Leave>) -> Rotation {
        let mut leaves: Vec<Leave> = leaves.into_iter().filter(|l| l.start < l.end).collect();
        leaves.sort_by(|a, b| (a.start, &a.person, a.end).cmp(&(b.start, &b.person, b.end)));
        let mut with = self.clone();
        for region in &mut with.regions {
            region.inner = region.inner.with_leave(leaves.iter().cloned());
        }
        with.leave = Arc::new(LeavePlan { leaves, subs: Vec::new() });
        let mut subs = Vec::new();
        // A follow-the-sun rotation's turns are its regions' (planned above).
        let rosters = std::iter::once(&with.primary).chain(with.weekend.as_ref()).filter(|_| with.regions.is_empty());
        for roster in rosters {
            subs.extend(with.plan_leave(roster));
        }
        subs.sort_by_key(|s| s.start);
        let leaves = std::mem::take(&mut Arc::get_mut(&mut with.leave).expect("just made").leaves);
        with.leave = Arc::new(LeavePlan { leaves, subs });
        with
    }

    /// The leave applied to this rotation, sorted by start.
    pub fn leave(&self) -> &[Leave] {
        &self.leave.leaves
    }

    /// The shifts overlapping `[from, to)` whose holder is on leave during them: leave
    /// recorded too late to move the turn, until someone covers the shift.
    pub fn uncovered_leave(&self, from: Timestamp, to: Timestamp) -> Vec<UncoveredShift> {
        if self.leave.leaves.is_empty() {
            return Vec::new();
        }
        self.shifts(from, to)
            .into_iter()
            .filter(|s| self.leave.away(&s.person, s.start, s.end))
            .map(|s| UncoveredShift { person: s.person, start: s.start, end: s.end })
            .collect()
    }

    /// The slot of `layer` containing `t`, or its first one after `t`.
    fn layer_slot_at(&self, layer: Layer, t: Timestamp) -> Option<Slot> {
        match self.grid.slot_at(t) {
            Some((slot, _)) if slot.layer == layer => Some(slot),
            Some(_) => self.grid.first_of_layer(layer, t),
            None => self.grid.first_of_layer(layer, self.first_shift_change()),
        }
    }

    /// The substitutions leave makes in one layer: slot by slot from the first leave, a
    /// turn owed to the scheduled person is repaid by its debtor when back, a turn of
    /// someone away passes to the next free person in the order (preferring one who would
    /// not then hold two shifts in a row) and becomes owed. Slots nobody is away in and
    /// nothing is owed for are skipped.
    fn plan_leave(&self, roster: &LayerRoster) -> Vec<Substitution> {
        let plan = &self.leave;
        let mut cache = OrderCache::default();
        let mut out = Vec::new();
        let mut debts: Vec<Debt> = Vec::new();
        let Some(first) = plan.leaves.first() else { return out };
        let Some(mut slot) = self.layer_slot_at(roster.layer, first.start) else { return out };
        let mut previous: Option<PersonId> = None;
        for _ in 0..LEAVE_WALK_LIMIT {
            if debts.is_empty() && !plan.leaves.iter().any(|l| l.overlaps(slot.start, slot.end)) {
                let next = plan.leaves.iter().filter(|l| l.end > slot.end).map(|l| l.start.max(slot.end)).min();
                match next.and_then(|t| self.layer_slot_at(roster.layer, t)) {
                    Some(s) if s.start > slot.start => slot = s,
                    _ => break,
                }
                previous = None;
                continue;
            }
            if slot.start < slot.end {
                let a = roster.assign(self, slot.index, &mut cache);
                let members = &roster.eras[a.era as usize].members;
                let scheduled = a.person.clone();
                debts.retain(|d| members.contains(&d.debtor) && members.contains(&d.creditor));
                let free = |p: &PersonId| !plan.away(p, slot.start, slot.end);
                let moves = plan
                    .leaves
                    .iter()
                    .any(|l| l.person == scheduled && l.overlaps(slot.start, slot.end) && l.moves_turn_at(slot.start));
                let substitute =
                    |holder: PersonId, what| Substitution { layer: slot.layer, start: slot.start, holder, what };
                let repaid =
                    debts.iter().position(|d| d.creditor == scheduled && d.back <= slot.start && free(&d.debtor));
                let holder = if let Some(i) = repaid {
                    let debt = debts.remove(i);
                    out.push(substitute(debt.debtor.clone(), Substitute::Repays { owed_to: scheduled }));
                    debt.debtor
                } else if moves {
                    let ahead: Vec<PersonId> = (1..=members.len() as i64)
                        .map(|k| roster.assign(self, slot.index + k, &mut cache).person.clone())
                        .collect();
                    let mut candidates = ahead.iter().chain(members).filter(|p| **p != scheduled && free(p));
                    let not_twice =
                        candidates.clone().find(|p| Some(*p) != previous.as_ref() && Some(*p) != ahead.first());
                    match not_twice.or_else(|| candidates.next()).cloned() {
                        Some(cover) => {
                            let back = plan
                                .leaves
                                .iter()
                                .filter(|l| l.person == scheduled && l.overlaps(slot.start, slot.end))
                                .map(|l| l.end)
                                .max()
                                .unwrap_or(slot.end);
                            debts.push(Debt { debtor: scheduled.clone(), creditor: cover.clone(), back });
                            out.push(substitute(cover.clone(), Substitute::CoversLeave { away: scheduled }));
                            cover
                        }
                        // Everyone is away: the turn stays, and shows as uncovered.
                        None => scheduled,
                    }
                } else {
                    scheduled
                };
                previous = Some(holder);
            }
            slot = self.grid.next_of_layer(&slot);
        }
        out
    }
}

impl Rotation {
    /// Who could cover `shift`: a follow-the-sun region's own members (a region's hours
    /// are nobody else's working hours), else everyone on the lists when it starts.
    pub fn cover_candidates(&self, shift: &Shift) -> Vec<PersonId> {
        match self.regions.iter().find(|r| shift.region.as_deref() == Some(r.name.as_str())) {
            Some(region) => region.inner.members_at(shift.start),
            None => self.members_at(shift.start),
        }
    }

    /// The people on the rotation's lists at `t` (the main list, then the weekend list),
    /// each once: who could take a turn then.
    pub fn members_at(&self, t: Timestamp) -> Vec<PersonId> {
        let mut out: Vec<PersonId> = Vec::new();
        for roster in std::iter::once(&self.primary).chain(self.weekend.as_ref()) {
            let era = roster.eras.partition_point(|e| e.from <= t).saturating_sub(1);
            for p in &roster.eras[era].members {
                if !out.contains(p) {
                    out.push(p.clone());
                }
            }
        }
        out
    }
}
