//! Fabric's `core/container/util/writer.go` with the bytes of Go's `archive/tar` and
//! `compress/gzip`: every entry is a USTAR header with the packaged name, mode 0100644,
//! uid/gid 500, the zero modification time, and the user and group *names* of the file's
//! real owner (Go's `tar.FileInfoHeader` looks them up and Fabric keeps them); the archive
//! ends with two zero blocks and no record padding, as Go's `tar.Writer.Close`.
//!
//! Names USTAR cannot hold (non-ASCII, or too long to split at a slash) and owner names
//! over 32 bytes get Go's PAX extended header (`PaxHeaders.0/<file>`, sorted records).
//!
//! The tar is compressed by [`super::goflate`], Go's gzip writer at the default level, fed
//! in the chunks Go's tar writer hands it (a 512-byte header, file data in 4096-byte reads
//! of `bufio.Reader`, the padding, two 512-byte end blocks), so the gzip bytes — and the
//! code hash — are Fabric's too.

use std::io::Read;
use std::path::Path;

use super::goflate::GoGzip;
use super::PlatformError;

/// What one `Read` of Go's `bufio.Reader` over a file returns (its buffer size).
const READ_CHUNK: usize = 4096;

const BLOCK: usize = 512;
const NAME_SIZE: usize = 100;
const PREFIX_SIZE: usize = 155;

/// Builds a code package tar in memory, entry by entry, as Fabric's tar writer does.
#[derive(Debug, Default)]
pub struct TarPackage {
    tar: Vec<u8>,
    /// Lengths of the successive `Write` calls Go's tar writer makes on its gzip writer.
    writes: Vec<usize>,
    /// Padding owed after the last file, written before the next header (Go's `Flush`).
    pad: usize,
    entries: usize,
}

/// The owner names Go's `tar.FileInfoHeader` puts in a header (empty when unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owner {
    pub user: String,
    pub group: String,
}

impl TarPackage {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many files were written.
    pub fn len(&self) -> usize {
        self.entries
    }

    /// Whether no file was written.
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// Fabric's `WriteFileToPackage`: the file at `local` (symlinks followed) as `name`.
    pub fn write_file(&mut self, local: &Path, name: &str) -> Result<(), PlatformError> {
        let io = |source| PlatformError::Io {
            path: local.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(local).map_err(io)?;
        if !meta.is_file() {
            return Err(PlatformError::NotAFile(local.to_path_buf()));
        }
        let mut data = Vec::with_capacity(meta.len() as usize);
        std::fs::File::open(local)
            .and_then(|mut f| f.read_to_end(&mut data))
            .map_err(io)?;
        self.write_bytes(name, &data, &owner_of(&meta))
    }

    /// One regular-file entry with Fabric's fixed header fields.
    pub fn write_bytes(
        &mut self,
        name: &str,
        data: &[u8],
        owner: &Owner,
    ) -> Result<(), PlatformError> {
        match headers(name, data.len() as u64, owner) {
            HeaderWrites::Ustar(header) => self.write_raw(&header),
            HeaderWrites::Pax {
                extended,
                data: records,
                header,
            } => {
                self.write_raw(&extended);
                self.tar.extend_from_slice(&records);
                self.writes.push(records.len());
                self.pad = (BLOCK - records.len() % BLOCK) % BLOCK;
                self.write_raw(&header);
            }
        }
        self.tar.extend_from_slice(data);
        self.writes.extend(data.chunks(READ_CHUNK).map(<[u8]>::len));
        self.pad = (BLOCK - data.len() % BLOCK) % BLOCK;
        self.entries += 1;
        Ok(())
    }

    /// Go's `writeRawHeader`: the pending padding, then one header block.
    fn write_raw(&mut self, header: &[u8; BLOCK]) {
        self.flush_pad();
        self.tar.extend_from_slice(header);
        self.writes.push(BLOCK);
    }

    fn flush_pad(&mut self) {
        if self.pad > 0 {
            self.tar.resize(self.tar.len() + self.pad, 0);
            self.writes.push(self.pad);
            self.pad = 0;
        }
    }

    fn close(&mut self) {
        self.flush_pad();
        self.tar.resize(self.tar.len() + 2 * BLOCK, 0);
        self.writes.extend([BLOCK, BLOCK]);
    }

    /// The finished tar (two zero blocks appended, as Go's `Close`).
    pub fn into_tar(mut self) -> Vec<u8> {
        self.close();
        self.tar
    }

    /// The finished tar, gzipped as Go's `gzip.NewWriter` would, write by write.
    pub fn into_gzip(mut self) -> Result<Vec<u8>, PlatformError> {
        self.close();
        let mut gz = GoGzip::new();
        let mut at = 0;
        for len in &self.writes {
            gz.write(&self.tar[at..at + len]);
            at += len;
        }
        Ok(gz.finish())
    }
}

/// Go's `splitUSTARPath`: a name longer than 100 bytes split at a slash into prefix and
/// name.
fn split_ustar_path(name: &str) -> Option<(&str, &str)> {
    let bytes = name.as_bytes();
    let mut length = bytes.len();
    if length <= NAME_SIZE || !name.is_ascii() {
        return None;
    } else if length > PREFIX_SIZE + 1 {
        length = PREFIX_SIZE + 1;
    } else if bytes[length - 1] == b'/' {
        length -= 1;
    }
    let i = name[..length].rfind('/')?;
    let suffix_len = bytes.len() - i - 1;
    if i == 0 || suffix_len > NAME_SIZE || suffix_len == 0 || i > PREFIX_SIZE {
        return None;
    }
    Some((&name[..i], &name[i + 1..]))
}

/// Go's `formatter.formatString`: the text, NUL-terminated when it leaves room.
fn put_str(field: &mut [u8], s: &str) {
    field[..s.len()].copy_from_slice(s.as_bytes());
    if s.len() < field.len() {
        field[s.len()] = 0;
    }
}

/// Go's `formatter.formatOctal`: zero-padded octal leaving one byte for the NUL.
fn put_octal(field: &mut [u8], value: u64) {
    let digits = format!("{value:o}");
    let width = field.len() - 1;
    put_str(field, &format!("{digits:0>width$}"));
}

/// Go's `formatString` with its trailing-slash rule for a truncated path.
fn put_truncated(field: &mut [u8], s: &str) {
    let n = s.len().min(field.len());
    field[..n].copy_from_slice(&s.as_bytes()[..n]);
    if s.len() < field.len() {
        field[s.len()] = 0;
    }
    if s.len() > field.len() && field[field.len() - 1] == b'/' {
        let kept = s[..field.len()].trim_end_matches('/').len();
        field[kept] = 0;
    }
}

/// Go's `toASCII`: non-ASCII characters dropped.
fn to_ascii(s: &str) -> String {
    s.chars().filter(char::is_ascii).collect()
}

fn checksum(h: &mut [u8; BLOCK]) {
    h[148..156].fill(b' ');
    let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
    put_octal(&mut h[148..155], sum);
    h[155] = b' ';
}

/// Go's `templateV7Plus` for Fabric's fixed fields, then USTAR or PAX magic.
fn file_header(name: &str, prefix: &str, size: u64, owner: &Owner) -> [u8; BLOCK] {
    let mut h = [0u8; BLOCK];
    put_truncated(&mut h[0..100], name);
    put_octal(&mut h[100..108], 0o100644);
    put_octal(&mut h[108..116], 500);
    put_octal(&mut h[116..124], 500);
    put_octal(&mut h[124..136], size);
    put_octal(&mut h[136..148], 0);
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    put_truncated(&mut h[265..297], &owner.user);
    put_truncated(&mut h[297..329], &owner.group);
    put_octal(&mut h[329..337], 0);
    put_octal(&mut h[337..345], 0);
    put_str(&mut h[345..500], prefix);
    checksum(&mut h);
    h
}

/// Go's `formatPAXRecord`: "<len> key=value\n", the length counting itself.
fn pax_record(key: &str, value: &str) -> String {
    let mut size = key.len() + value.len() + 3;
    size += size.to_string().len();
    let mut record = format!("{size} {key}={value}\n");
    if record.len() != size {
        record = format!("{} {key}={value}\n", record.len());
    }
    record
}

/// Go's `writeRawFile` header of a PAX extended header file (`<dir>/PaxHeaders.0/<file>`).
fn pax_header(name: &str, size: usize) -> [u8; BLOCK] {
    let (dir, file) = match name.rfind('/') {
        Some(i) => (&name[..=i], &name[i + 1..]),
        None => ("", name),
    };
    let joined = format!("{dir}PaxHeaders.0/{file}");
    let mut pax_name = to_ascii(&joined);
    pax_name.truncate(NAME_SIZE);
    let pax_name = pax_name.trim_end_matches('/');
    let mut h = [0u8; BLOCK];
    put_str(&mut h[0..100], pax_name);
    put_octal(&mut h[100..108], 0);
    put_octal(&mut h[108..116], 0);
    put_octal(&mut h[116..124], 0);
    put_octal(&mut h[124..136], size as u64);
    put_octal(&mut h[136..148], 0);
    h[156] = b'x';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    checksum(&mut h);
    h
}

/// What Go's `tar.Writer.WriteHeader` writes for one file: a USTAR header when USTAR can
/// hold the name (split at a slash if needed) and the owner names, else a PAX extended
/// header file with the records USTAR cannot hold, then the PAX-format file header.
fn headers(name: &str, size: u64, owner: &Owner) -> HeaderWrites {
    let fits = |s: &str, n: usize| s.is_ascii() && s.len() <= n;
    let mut records = std::collections::BTreeMap::new();
    if !fits(name, NAME_SIZE) {
        records.insert("path", name);
    }
    if !fits(&owner.user, 32) {
        records.insert("uname", owner.user.as_str());
    }
    if !fits(&owner.group, 32) {
        records.insert("gname", owner.group.as_str());
    }
    let split = split_ustar_path(name);
    let owners_fit = !records.contains_key("uname") && !records.contains_key("gname");
    if fits(name, NAME_SIZE) && owners_fit {
        return HeaderWrites::Ustar(file_header(name, "", size, owner));
    }
    if let (Some((prefix, short)), true) = (split, owners_fit) {
        return HeaderWrites::Ustar(file_header(short, prefix, size, owner));
    }
    let data: String = records.iter().map(|(k, v)| pax_record(k, v)).collect();
    let ascii = Owner {
        user: to_ascii(&owner.user),
        group: to_ascii(&owner.group),
    };
    HeaderWrites::Pax {
        extended: Box::new(pax_header(name, data.len())),
        data: data.into_bytes(),
        header: file_header(&to_ascii(name), "", size, &ascii),
    }
}

/// The header writes of one file.
enum HeaderWrites {
    Ustar([u8; BLOCK]),
    Pax {
        extended: Box<[u8; BLOCK]>,
        data: Vec<u8>,
        header: [u8; BLOCK],
    },
}

/// The user and group names of a file's owner, looked up as Go's `os/user` does.
pub fn owner_of(meta: &std::fs::Metadata) -> Owner {
    use std::os::unix::fs::MetadataExt;
    Owner {
        user: user_name(meta.uid()).unwrap_or_default(),
        group: group_name(meta.gid()).unwrap_or_default(),
    }
}

fn c_name(ptr: *const libc::c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: getpwuid_r/getgrgid_r returned a NUL-terminated name inside our buffer.
    let name = unsafe { std::ffi::CStr::from_ptr(ptr) };
    Some(name.to_string_lossy().into_owned())
}

fn user_name(uid: u32) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: zeroed passwd is a valid out-parameter; buf outlives the use of its fields.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: all pointers are valid for the call; the buffer length is its real length.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() {
        return None;
    }
    c_name(pwd.pw_name)
}

fn group_name(gid: u32) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: zeroed group is a valid out-parameter; buf outlives the use of its fields.
    let mut grp: libc::group = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::group = std::ptr::null_mut();
    // SAFETY: all pointers are valid for the call; the buffer length is its real length.
    let rc = unsafe { libc::getgrgid_r(gid, &mut grp, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() {
        return None;
    }
    c_name(grp.gr_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> Owner {
        Owner {
            user: "root".into(),
            group: "root".into(),
        }
    }

    #[test]
    fn header_fields_are_go_ustar() {
        let HeaderWrites::Ustar(h) = headers("src/index.js", 22, &root()) else {
            panic!("a short ASCII name is USTAR");
        };
        assert_eq!(&h[100..108], b"0100644\0");
        assert_eq!(&h[108..116], b"0000764\0");
        assert_eq!(&h[124..136], b"00000000026\0");
        assert_eq!(&h[136..148], b"00000000000\0");
        assert_eq!(&h[329..337], b"0000000\0");
        assert_eq!(&h[337..345], b"0000000\0");
        assert_eq!(&h[265..270], b"root\0");
        assert_eq!(h[155], b' ');
        assert_eq!(h[154], 0);
    }

    #[test]
    fn long_names_split_as_go() {
        let long = format!("src/{}/main.go", "a".repeat(120));
        assert_eq!(split_ustar_path(&long), Some((&long[..124], "main.go")));
        assert_eq!(split_ustar_path("short"), None);
        assert!(matches!(headers(&long, 0, &root()), HeaderWrites::Ustar(_)));
        assert!(matches!(
            headers(&"b".repeat(101), 0, &root()),
            HeaderWrites::Pax { .. }
        ));
        assert!(matches!(
            headers("src/é.js", 0, &root()),
            HeaderWrites::Pax { .. }
        ));
    }

    #[test]
    fn archive_reads_back_with_two_end_blocks() {
        let mut t = TarPackage::new();
        t.write_bytes("src/a.js", b"hello", &root()).unwrap();
        let tar = t.into_tar();
        assert_eq!(tar.len(), 4 * BLOCK);
        let mut archive = tar::Archive::new(tar.as_slice());
        let entries: Vec<_> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.path().unwrap().display().to_string(),
                    e.header().mode().unwrap(),
                    e.header().username().unwrap().map(str::to_string),
                )
            })
            .collect();
        assert_eq!(
            entries,
            vec![("src/a.js".to_string(), 0o100644, Some("root".to_string()))]
        );
    }

    #[test]
    fn pax_records_count_their_own_length() {
        assert_eq!(pax_record("path", "a"), "9 path=a\n");
        let long = "x".repeat(91);
        assert_eq!(pax_record("path", &long).len(), 101);
        assert!(pax_record("path", &long).starts_with("101 "));
    }

    #[test]
    fn writes_are_gos_tar_writer_calls() {
        let mut t = TarPackage::new();
        t.write_bytes("src/a", &[7u8; 5000], &root()).unwrap();
        t.write_bytes("src/b", b"", &root()).unwrap();
        t.close();
        assert_eq!(t.writes, [512, 4096, 904, 120, 512, 512, 512]);
        assert_eq!(t.writes.iter().sum::<usize>(), t.tar.len());
    }
}
