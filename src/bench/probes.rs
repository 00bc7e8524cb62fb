//! Reading processes from `/proc` (Linux): CPU time (user + system, in clock ticks, also per
//! thread name), resident memory, the open-files limit; plus the clock tick rate from
//! `getconf CLK_TCK`. Every probe fails soft: no `/proc`, no figure.

use std::collections::BTreeMap;

/// CPU time of a process or thread, in clock ticks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ticks {
    pub user: u64,
    pub system: u64,
}

impl Ticks {
    pub fn total(self) -> u64 {
        self.user + self.system
    }

    pub fn since(self, earlier: Ticks) -> Ticks {
        Ticks {
            user: self.user.saturating_sub(earlier.user),
            system: self.system.saturating_sub(earlier.system),
        }
    }
}

/// The command name and CPU ticks of one `/proc/.../stat` line. The name is in parentheses
/// and may itself contain spaces or parentheses, so fields are counted after the last `)`.
pub fn parse_stat(text: &str) -> Option<(String, Ticks)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_string();
    // After ")": state(3) ppid(4) ... utime(14) stime(15).
    let fields: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    let user = fields.get(11)?.parse().ok()?;
    let system = fields.get(12)?.parse().ok()?;
    Some((comm, Ticks { user, system }))
}

/// CPU ticks of a whole process (all its threads, living and finished).
pub fn process_cpu(pid: u32) -> Option<Ticks> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text).map(|(_, t)| t)
}

/// CPU ticks of several named processes at one moment.
pub fn snapshot(pids: &[(&'static str, u32)]) -> Vec<(&'static str, Option<Ticks>)> {
    pids.iter()
        .map(|(name, pid)| (*name, process_cpu(*pid)))
        .collect()
}

/// Each process's CPU between two snapshots, as a share of one CPU, e.g. `serve 35%`.
pub fn shares(
    before: &[(&'static str, Option<Ticks>)],
    after: &[(&'static str, Option<Ticks>)],
    seconds: f64,
    clock_ticks: u64,
) -> String {
    let parts: Vec<String> = before
        .iter()
        .zip(after)
        .filter_map(|((name, a), (_, b))| {
            let used = b.as_ref()?.since((*a)?).total() as f64 / clock_ticks.max(1) as f64;
            Some(format!("{name} {:.0}%", 100.0 * used / seconds.max(1e-9)))
        })
        .collect();
    format!("CPU {} of one core", parts.join(", "))
}

/// CPU ticks per thread name of a process (`tokio-runtime-w`, `sqlx-sqlite-wor`, ...),
/// trailing numbers dropped so the workers of one pool add up.
pub fn thread_cpu(pid: u32) -> BTreeMap<String, Ticks> {
    let mut out: BTreeMap<String, Ticks> = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for task in tasks.flatten() {
        let Ok(text) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        if let Some((comm, ticks)) = parse_stat(&text) {
            let name = comm
                .trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '_')
                .to_string();
            let slot = out.entry(name).or_default();
            slot.user += ticks.user;
            slot.system += ticks.system;
        }
    }
    out
}

/// CPU ticks of every process with this command name (e.g. all `postgres` backends).
pub fn named_cpu(comm: &str) -> Option<Ticks> {
    let mut sum = Ticks::default();
    let mut found = false;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(entry.path().join("stat"))
            && let Some((c, t)) = parse_stat(&text)
            && c == comm
        {
            sum.user += t.user;
            sum.system += t.system;
            found = true;
        }
    }
    found.then_some(sum)
}

/// A `Key:   123 kB` field of `/proc/<pid>/status`, in kB.
pub fn status_kb(text: &str, key: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

/// Resident memory now and at its peak (`VmRSS`, `VmHWM`), in bytes.
pub fn rss(pid: u32) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    Some((
        status_kb(&text, "VmRSS")? * 1024,
        status_kb(&text, "VmHWM")? * 1024,
    ))
}

/// Clock ticks per second (`getconf CLK_TCK`); 100, Linux's fixed USER_HZ, if it cannot be
/// asked. The second value says whether it was verified.
pub fn clock_ticks() -> (u64, bool) {
    let asked = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<u64>()
                .ok()
        })
        .filter(|n| *n > 0);
    match asked {
        Some(n) => (n, true),
        None => (100, false),
    }
}

/// The soft and hard limits on open files of this process, from `/proc/self/limits`.
pub fn open_files_limit() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let mut numbers = line["Max open files".len()..].split_whitespace();
    let parse = |s: Option<&str>| match s? {
        "unlimited" => Some(u64::MAX),
        n => n.parse().ok(),
    };
    Some((parse(numbers.next())?, parse(numbers.next())?))
}

/// Raises this process's soft open-files limit towards `want` (capped by the hard limit)
/// with the `prlimit` tool, since the crate forbids the unsafe `setrlimit` call. Returns the
/// soft limit afterwards.
pub fn raise_open_files(want: u64) -> Option<u64> {
    let (soft, hard) = open_files_limit()?;
    if soft >= want {
        return Some(soft);
    }
    let new = want.min(hard);
    let _ = std::process::Command::new("prlimit")
        .arg(format!("--pid={}", std::process::id()))
        .arg(format!("--nofile={new}:"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    open_files_limit().map(|(soft, _)| soft)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_parse_after_the_command_name() {
        let line = "4242 (tokio-runtime (w) 1) S 1 4242 4242 0 -1 4194560 100 0 0 0 \
                    1234 567 0 0 20 0 9 0 100 1000 200 18446744073709551615";
        let (comm, ticks) = parse_stat(line).unwrap();
        assert_eq!(comm, "tokio-runtime (w) 1");
        assert_eq!(
            ticks,
            Ticks {
                user: 1234,
                system: 567
            }
        );
        assert_eq!(ticks.total(), 1801);
        assert_eq!(
            ticks.since(Ticks {
                user: 1000,
                system: 600
            }),
            Ticks {
                user: 234,
                system: 0
            }
        );
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn shares_are_percent_of_one_core() {
        let t = |n| Some(Ticks { user: n, system: 0 });
        let before = [("serve", t(100)), ("gone", None)];
        let after = [("serve", t(150)), ("gone", t(10))];
        assert_eq!(
            shares(&before, &after, 1.0, 100),
            "CPU serve 50% of one core"
        );
    }

    #[test]
    fn status_fields_read_in_kilobytes() {
        let text = "Name:\tchatctl\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n";
        assert_eq!(status_kb(text, "VmRSS"), Some(10240));
        assert_eq!(status_kb(text, "VmHWM"), Some(20480));
        assert_eq!(status_kb(text, "VmSwap"), None);
    }

    #[test]
    fn this_process_is_visible() {
        if std::path::Path::new("/proc/self/stat").exists() {
            assert!(process_cpu(std::process::id()).is_some());
            assert!(rss(std::process::id()).is_some_and(|(now, peak)| now > 0 && peak >= now));
            assert!(open_files_limit().is_some());
        }
    }
}
