//! The shared memory region that carries arrays between the host and one
//! worker, as Arrow IPC streams.
//!
//! It is an unlinked file on a memory file system (`/dev/shm` where there
//! is one), mapped by both processes: the host creates it and hands its
//! descriptor to the worker at spawn, so no name exists that a third
//! process could open, and nothing is left behind when either side dies.
//! The sender of a message writes its stream at offset 0 and the receiver
//! copies it out before answering, so the two sides take turns and never
//! touch the region at the same time. Whoever needs more room grows the
//! file; the other side remaps when it finds the file longer than its map.

use std::fs::File;
use std::io::{self, Write};

use arrow::buffer::{Buffer, MutableBuffer};
use memmap2::MmapMut;

/// The size a region starts at; it grows by doubling.
const INITIAL_SIZE: u64 = 1 << 20;

/// One side's mapping of the region.
pub(crate) struct Region {
    file: File,
    map: MmapMut,
}

impl Region {
    /// A new, private region for one worker.
    pub(crate) fn create() -> io::Result<Region> {
        let shm = std::path::Path::new("/dev/shm");
        let file = if shm.is_dir() {
            tempfile::tempfile_in(shm).or_else(|_| tempfile::tempfile())?
        } else {
            tempfile::tempfile()?
        };
        file.set_len(INITIAL_SIZE)?;
        Region::open(file)
    }

    /// Maps a region the host created (the worker's side).
    pub(crate) fn open(file: File) -> io::Result<Region> {
        let map = map(&file)?;
        Ok(Region { file, map })
    }

    /// The file, for handing its descriptor to a worker.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    /// Remaps if the peer grew the file past this side's map.
    fn refresh(&mut self) -> io::Result<()> {
        let len = self.file.metadata()?.len();
        if len as usize != self.map.len() {
            self.map = map(&self.file)?;
        }
        Ok(())
    }

    /// Grows the file (and this side's map) to hold at least `needed` bytes.
    fn reserve(&mut self, needed: usize) -> io::Result<()> {
        if needed <= self.map.len() {
            return Ok(());
        }
        let mut size = (self.map.len() as u64).max(INITIAL_SIZE);
        while (size as usize) < needed {
            size = size
                .checked_mul(2)
                .ok_or_else(|| io::Error::other("region size overflow"))?;
        }
        self.file.set_len(size)?;
        self.map = map(&self.file)?;
        Ok(())
    }

    /// Gives memory back after a large message: shrinks the file to its
    /// initial size when it grew past `keep` bytes. Only the host calls it,
    /// between calls, when the worker does not touch the region (and
    /// remaps before it next does).
    pub(crate) fn shrink(&mut self, keep: usize) -> io::Result<()> {
        if self.map.len() > keep {
            self.file.set_len(INITIAL_SIZE)?;
            self.map = map(&self.file)?;
        }
        Ok(())
    }

    /// A writer at offset 0; [`RegionWriter::len`] is what it wrote.
    pub(crate) fn writer(&mut self) -> io::Result<RegionWriter<'_>> {
        self.refresh()?;
        Ok(RegionWriter {
            region: self,
            pos: 0,
        })
    }

    /// Copies the first `len` bytes into a 64-byte aligned buffer, which the
    /// IPC reader then uses without another copy.
    pub(crate) fn read(&mut self, len: u64) -> io::Result<Buffer> {
        self.refresh()?;
        let len = usize::try_from(len)
            .ok()
            .filter(|&n| n <= self.map.len())
            .ok_or_else(|| {
                io::Error::other(format!(
                    "a message of {len} bytes in a region of {} bytes",
                    self.map.len()
                ))
            })?;
        let mut out = MutableBuffer::new(len);
        out.extend_from_slice(&self.map[..len]);
        Ok(out.into())
    }
}

fn map(file: &File) -> io::Result<MmapMut> {
    // SAFETY: the file is unlinked and private to this host and one worker
    // (its descriptor is given to that worker only), and the protocol gives
    // the region to one side at a time, so nothing truncates or writes it
    // while this side reads or writes it; each side remaps to the file's
    // current length before it touches the region. A worker whose plugin
    // writes into the region out of turn only changes bytes that the host
    // copies out and then fully validates as Arrow IPC. Only code that
    // seeks out the region's descriptor and truncates it during the host's
    // copy could make the host fault: isolation contains crashes, it is not
    // a sandbox against a malicious plugin (docs/reliability.md).
    unsafe { MmapMut::map_mut(file) }
}

/// Writes at increasing offsets of the region, growing it as needed.
pub(crate) struct RegionWriter<'a> {
    region: &'a mut Region,
    pos: usize,
}

impl RegionWriter<'_> {
    /// How many bytes were written.
    pub(crate) fn len(&self) -> u64 {
        self.pos as u64
    }
}

impl Write for RegionWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let end = self
            .pos
            .checked_add(buf.len())
            .ok_or_else(|| io::Error::other("region offset overflow"))?;
        self.region.reserve(end)?;
        self.region.map[self.pos..end].copy_from_slice(buf);
        self.pos = end;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_past_the_initial_size_grows_the_region_and_the_peer_sees_it() {
        let mut host = Region::create().unwrap();
        let mut peer = Region::open(host.file().try_clone().unwrap()).unwrap();
        let payload: Vec<u8> = (0..3 * INITIAL_SIZE as usize).map(|i| i as u8).collect();
        let len = {
            let mut w = host.writer().unwrap();
            w.write_all(&payload).unwrap();
            w.len()
        };
        assert_eq!(len as usize, payload.len());
        let got = peer.read(len).unwrap();
        assert_eq!(got.as_slice(), payload.as_slice());
        assert_eq!(got.as_ptr() as usize % 64, 0);
        assert!(peer.read(1 << 40).is_err());
        host.shrink(2 * INITIAL_SIZE as usize).unwrap();
        assert_eq!(host.file().metadata().unwrap().len(), INITIAL_SIZE);
        // The peer remaps to the smaller file before it reads again.
        assert_eq!(peer.read(16).unwrap().as_slice(), &payload[..16]);
    }
}
