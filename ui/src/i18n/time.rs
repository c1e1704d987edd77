//! Text of times and dates: the day headers of activity and history, the full date on hover.

use super::{formats, lang, texts, Lang};

texts! {
    today => "Today", "Heute";
    yesterday => "Yesterday", "Gestern";
}

formats! {
    /// A day header other than today or yesterday: "Mon 30 Nov 2026", "Mo., 30. Nov. 2026".
    date(weekday, day, month, year) => "{weekday} {day} {month} {year}",
        "{weekday}, {day}. {month} {year}";
    /// A day and the time of day ("14:05"), for the full date on hover.
    day_time(day, time) => "{day} {time}", "{day}, {time}";
    /// A span of time still to run: "2 d 3 h", "1 h 5 min", "10 min".
    span_days(d, h) => "{d} d {h} h", "{d} T. {h} Std.";
    span_hours(h, m) => "{h} h {m} min", "{h} Std. {m} Min.";
    span_minutes(m) => "{m} min", "{m} Min.";
}

/// A weekday's short name, 0 for Sunday (as `Date.getDay` counts).
pub(crate) fn weekday(index: u32) -> &'static str {
    const EN: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const DE: [&str; 7] = ["So.", "Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa."];
    let names = match lang() {
        Lang::En => EN,
        Lang::De => DE,
    };
    names.get(index as usize).copied().unwrap_or("")
}

/// A month's short name, 0 for January (as `Date.getMonth` counts).
pub(crate) fn month(index: u32) -> &'static str {
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const DE: [&str; 12] = [
        "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.",
        "Dez.",
    ];
    let names = match lang() {
        Lang::En => EN,
        Lang::De => DE,
    };
    names.get(index as usize).copied().unwrap_or("")
}
