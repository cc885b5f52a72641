//! Checks of a plugin file made before the dynamic loader sees it.
//!
//! `dlopen` trusts a library's headers: glibc maps every loadable segment
//! at the size the program headers give, so a truncated file (an
//! interrupted copy or install) is mapped past its end and the first touch
//! of the missing pages kills the process with SIGBUS. The headers tell
//! this before anything is mapped, so [`check_elf`] reads them and refuses
//! such a file, with a foreign one (another machine, class or byte order),
//! an empty one and anything that is not a shared library.
//!
//! [`check_permissions`] refuses a file that someone other than the user
//! (or root) could have replaced, as SSH refuses a key others can write.
//! Both checks look at the path as it is now; a file changed between the
//! check and the `dlopen` is not caught (docs/reliability.md says how to
//! upgrade a plugin safely).

use std::fs::File;
use std::path::Path;

use object::elf;
use object::read::elf::{FileHeader, ProgramHeader};
use object::read::ReadCache;
use object::{Endianness, FileKind};

/// The environment switch that lets plugin files others can write load
/// anyway (for shared installs whose owners are trusted).
pub const ALLOW_WRITABLE_ENV: &str = "DAFT_PLUGINS_ALLOW_WRITABLE";

/// Refuses a file `dlopen` would crash on or refuse: empty, not ELF, not a
/// shared library, built for another machine, or shorter than its own
/// program headers say. Only checks ELF on Linux; elsewhere it accepts
/// every file and leaves the loader to decide.
pub fn check_elf(path: &Path) -> Result<(), String> {
    if !cfg!(target_os = "linux") {
        return Ok(());
    }
    let file = File::open(path).map_err(|e| e.to_string())?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    if len == 0 {
        return Err("the file is empty (an interrupted copy or install?)".into());
    }
    let data = ReadCache::new(file);
    let kind = FileKind::parse(&data).map_err(|_| {
        "not a shared library: the file does not start with an ELF header".to_string()
    })?;
    match kind {
        FileKind::Elf64 if cfg!(target_pointer_width = "64") => {
            check_elf_file::<elf::FileHeader64<Endianness>>(&data, len)
        }
        FileKind::Elf32 if cfg!(target_pointer_width = "32") => {
            check_elf_file::<elf::FileHeader32<Endianness>>(&data, len)
        }
        FileKind::Elf32 | FileKind::Elf64 => Err(format!(
            "a {}-bit library; this daft is {}-bit",
            if kind == FileKind::Elf32 { 32 } else { 64 },
            usize::BITS
        )),
        other => Err(format!(
            "not an ELF shared library (the file is {other:?}); a Linux plugin is an ELF .so"
        )),
    }
}

fn check_elf_file<H: FileHeader<Endian = Endianness>>(
    data: &ReadCache<File>,
    len: u64,
) -> Result<(), String> {
    let truncated = |need: u64| {
        format!(
            "the file is truncated: it has {len} bytes but its ELF headers describe {need} \
             (an interrupted copy or install?); reinstall the plugin"
        )
    };
    let header = H::parse(data).map_err(|_| truncated(std::mem::size_of::<H>() as u64))?;
    let endian = header
        .endian()
        .map_err(|e| format!("invalid ELF header: {e}"))?;
    if (endian == Endianness::Little) != cfg!(target_endian = "little") {
        return Err("built for the other byte order than this machine's".into());
    }
    let e_type = header.e_type(endian);
    if e_type != elf::ET_DYN {
        return Err(format!(
            "not a shared library: its ELF type is {} ({}); build the plugin as a cdylib",
            e_type,
            match e_type {
                elf::ET_REL => "an object file",
                elf::ET_EXEC => "an executable",
                elf::ET_CORE => "a core dump",
                _ => "unknown",
            }
        ));
    }
    if let Some((host, host_name)) = host_machine() {
        let machine = header.e_machine(endian);
        if machine != host {
            return Err(format!(
                "built for another machine (ELF machine {}), this one is {host_name}",
                machine_name(machine)
            ));
        }
    }
    let phoff: u64 = header.e_phoff(endian).into();
    let phsize = u64::from(header.e_phentsize(endian)) * u64::from(header.e_phnum(endian));
    let headers = header
        .program_headers(endian, data)
        .map_err(|_| truncated(phoff.saturating_add(phsize)))?;
    for ph in headers {
        if ph.p_type(endian) != elf::PT_LOAD {
            continue;
        }
        let (offset, size) = ph.file_range(endian);
        let end = offset.saturating_add(size);
        if end > len {
            return Err(truncated(end));
        }
    }
    Ok(())
}

fn host_machine() -> Option<(u16, &'static str)> {
    if cfg!(target_arch = "x86_64") {
        Some((elf::EM_X86_64, "x86_64"))
    } else if cfg!(target_arch = "aarch64") {
        Some((elf::EM_AARCH64, "aarch64"))
    } else {
        None
    }
}

fn machine_name(machine: u16) -> String {
    match machine {
        elf::EM_X86_64 => "x86_64".into(),
        elf::EM_AARCH64 => "aarch64".into(),
        elf::EM_386 => "i386".into(),
        elf::EM_ARM => "arm".into(),
        elf::EM_RISCV => "riscv".into(),
        elf::EM_PPC64 => "ppc64".into(),
        elf::EM_S390 => "s390".into(),
        other => other.to_string(),
    }
}

/// Refuses a plugin file that another user could have written: the file or
/// a folder above it owned by someone other than the user or root, or
/// writable by its group or by everyone (a folder with the sticky bit, such
/// as `/tmp`, only lets its owners rename their entries, so it passes).
/// The switch [`ALLOW_WRITABLE_ENV`]`=1` turns the check off.
#[cfg(unix)]
pub fn check_permissions(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;

    if allow_writable() {
        return Ok(());
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let mut current = Some(path);
    while let Some(p) = current {
        let meta = std::fs::metadata(p).map_err(|e| format!("{}: {e}", p.display()))?;
        let what = if p == path { "the file" } else { "the folder" };
        let owner = meta.uid();
        let mode = meta.mode();
        let sticky_dir = meta.is_dir() && mode & 0o1000 != 0;
        let problem = if owner != me && owner != 0 {
            Some(format!("is owned by another user (uid {owner})"))
        } else if mode & 0o002 != 0 && !sticky_dir {
            Some("is writable by every user".to_string())
        } else if mode & 0o020 != 0 && !sticky_dir {
            Some("is writable by its group".to_string())
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(format!(
                "refused: {what} {} {problem}, so someone else could replace the plugin's code; \
                 fix its permissions (chmod go-w) or set {ALLOW_WRITABLE_ENV}=1 to load it anyway",
                p.display()
            ));
        }
        current = p.parent();
    }
    Ok(())
}

/// Elsewhere there is no owner and mode to check.
#[cfg(not(unix))]
pub fn check_permissions(_path: &Path) -> Result<(), String> {
    Ok(())
}

fn allow_writable() -> bool {
    std::env::var(ALLOW_WRITABLE_ENV).is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("daft-preflight-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// This test binary's own code is an ELF executable (or a PIE, which is
    /// ET_DYN); a real shared library of the workspace is read by the
    /// integration tests. Here: the refusals.
    #[test]
    fn empty_and_non_elf_files_are_refused_before_dlopen() {
        let empty = write("empty.so", b"");
        assert!(check_elf(&empty).unwrap_err().contains("empty"));
        let text = write("text.so", b"hello, not a library\n");
        assert!(check_elf(&text).unwrap_err().contains("ELF header"));
    }

    #[test]
    fn a_header_cut_short_is_reported_as_truncated() {
        if !cfg!(target_os = "linux") {
            return;
        }
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let cut = write("cut.so", &me[..40]);
        let err = check_elf(&cut).unwrap_err();
        assert!(
            err.contains("truncated") || err.contains("ELF header"),
            "{err}"
        );
    }
}
