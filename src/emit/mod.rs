//! Writes rendered files into an output directory, all or nothing.
//!
//! The new contents are written into a temporary directory beside the target, then swapped in
//! with renames, so a reader (or a failed run) never sees half an output. egressc owns only
//! what it wrote: a marker file lists those files, a rerun replaces exactly them, files that
//! someone else put there survive, and a non-empty directory without the marker is refused.
//! File names may hold `/`: layouts write subdirectories (a directory a host), and files
//! others put into those subdirectories survive too.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::render::RenderedFile;

/// Lists the files egressc wrote into a directory; its presence says the directory is ours.
pub const MARKER: &str = ".egressc-owned";

/// Why a directory could not be written.
#[derive(Debug)]
pub enum EmitError {
    /// The directory has files and no marker: egressc did not create it.
    NotOurs(PathBuf),
    /// The path exists and is not a directory.
    NotADirectory(PathBuf),
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for EmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EmitError::NotOurs(dir) => write!(
                f,
                "`{}` is not empty and was not written by egressc (no `{MARKER}` in it); \
                 choose a new or empty directory",
                dir.display()
            ),
            EmitError::NotADirectory(path) => {
                write!(f, "`{}` exists and is not a directory", path.display())
            }
            EmitError::Io(path, error) => write!(f, "cannot write `{}`: {error}", path.display()),
        }
    }
}

impl std::error::Error for EmitError {}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> EmitError + '_ {
    move |error| EmitError::Io(path.to_owned(), error)
}

/// Replaces egressc's files in `dir` with `files`, keeping anything else that is there.
pub fn write_directory(dir: &Path, files: &[RenderedFile]) -> Result<(), EmitError> {
    let mut staging = Staging::begin(dir)?;
    for file in files {
        staging.write(file)?;
    }
    staging.finish()
}

/// An output directory being written: files go into a staging directory beside it, which
/// takes the place of egressc's files in it only when [`Staging::finish`] succeeds. Dropped
/// before that (an error, a refused document), the staging directory is removed and `dir`
/// is as it was. Files are handed over one at a time, so a big output need not be held
/// whole in memory.
pub struct Staging {
    dir: PathBuf,
    path: PathBuf,
    /// What egressc wrote into `dir` last time; `None` when there is no `dir` yet.
    previous: Option<Vec<String>>,
    /// The files written, by path.
    written: Vec<String>,
    finished: bool,
}

impl Staging {
    /// Checks that `dir` may be written (missing, empty, or egressc's) and creates the
    /// staging directory beside it.
    pub fn begin(dir: &Path) -> Result<Staging, EmitError> {
        let previous = owned_files(dir)?;
        let parent = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(io_at(parent))?;
        let path = sibling(dir, "new");
        fs::create_dir(&path).map_err(io_at(&path))?;
        Ok(Staging {
            dir: dir.to_owned(),
            path,
            previous,
            written: Vec::new(),
            finished: false,
        })
    }

    pub fn write(&mut self, file: &RenderedFile) -> Result<(), EmitError> {
        let path = self.path.join(&file.name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io_at(parent))?;
        }
        fs::write(&path, &file.contents).map_err(io_at(&path))?;
        self.written.push(file.name.clone());
        Ok(())
    }

    /// Writes the marker, listing the files sorted, and puts the staging directory in
    /// place of `dir`, keeping the files in `dir` that egressc did not write.
    pub fn finish(mut self) -> Result<(), EmitError> {
        self.written.sort_unstable();
        let mut marker = String::from(
            "# Files written by egressc. It replaces exactly these on its next run.\n",
        );
        for name in &self.written {
            marker.push_str(name);
            marker.push('\n');
        }
        let path = self.path.join(MARKER);
        fs::write(&path, marker).map_err(io_at(&path))?;
        match &self.previous {
            None => fs::rename(&self.path, &self.dir).map_err(io_at(&self.dir))?,
            Some(previous) => swap(&self.dir, &self.path, &self.written, previous)?,
        }
        self.finished = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.finished {
            // Best effort: the staging directory holds only what this run wrote.
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// The files egressc wrote into `dir` last time: `None` when `dir` does not exist or is
/// empty, an error when it has files but no marker.
fn owned_files(dir: &Path) -> Result<Option<Vec<String>>, EmitError> {
    match fs::metadata(dir) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(EmitError::Io(dir.to_owned(), error)),
        Ok(meta) if !meta.is_dir() => return Err(EmitError::NotADirectory(dir.to_owned())),
        Ok(_) => {}
    }
    let marker = dir.join(MARKER);
    match fs::read_to_string(&marker) {
        Ok(text) => Ok(Some(
            text.lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
                .map(str::to_owned)
                .collect(),
        )),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            let mut entries = fs::read_dir(dir).map_err(io_at(dir))?;
            if entries.next().is_some() {
                Err(EmitError::NotOurs(dir.to_owned()))
            } else {
                Ok(Some(Vec::new()))
            }
        }
        Err(error) => Err(EmitError::Io(marker, error)),
    }
}

/// Moves the files egressc does not own from `dir` into the staging directory, then swaps
/// the two directories. Any failure puts the moved files back and leaves `dir` as it was.
fn swap(
    dir: &Path,
    staging: &Path,
    written: &[String],
    previous: &[String],
) -> Result<(), EmitError> {
    let owned = Owned::new(
        written
            .iter()
            .map(String::as_str)
            .chain(previous.iter().map(String::as_str))
            .chain([MARKER]),
    );
    let mut kept: Vec<PathBuf> = Vec::new();
    let result = (|| {
        keep_foreign(dir, staging, Path::new(""), &owned, &mut kept)?;
        let retired = sibling(dir, "old");
        fs::rename(dir, &retired).map_err(io_at(dir))?;
        if let Err(error) = fs::rename(staging, dir) {
            let _ = fs::rename(&retired, dir);
            return Err(EmitError::Io(dir.to_owned(), error));
        }
        // Only egressc's previous files are left in the retired directory.
        fs::remove_dir_all(&retired).map_err(io_at(&retired))
    })();
    if result.is_err() && dir.is_dir() {
        for path in kept.iter().rev() {
            let _ = fs::rename(staging.join(path), dir.join(path));
        }
    }
    result
}

/// The paths egressc owns in an output directory, and the directories that hold them, as
/// sets: an output has tens of thousands of files, and each entry of the directory is
/// looked up.
struct Owned<'a> {
    files: HashSet<&'a str>,
    directories: HashSet<&'a str>,
}

impl<'a> Owned<'a> {
    fn new(paths: impl Iterator<Item = &'a str>) -> Owned<'a> {
        let mut owned = Owned {
            files: HashSet::new(),
            directories: HashSet::new(),
        };
        for path in paths {
            owned.files.insert(path);
            for (index, _) in path.match_indices('/') {
                owned.directories.insert(&path[..index]);
            }
        }
        owned
    }
}

/// Moves what egressc does not own under `dir/relative` to the same place in `staging`,
/// walking into the subdirectories that hold egressc's files, recording what it moved.
fn keep_foreign(
    dir: &Path,
    staging: &Path,
    relative: &Path,
    owned: &Owned,
    kept: &mut Vec<PathBuf>,
) -> Result<(), EmitError> {
    let here = dir.join(relative);
    for entry in fs::read_dir(&here).map_err(io_at(&here))? {
        let entry = entry.map_err(io_at(&here))?;
        let path = relative.join(entry.file_name());
        let text = path.to_string_lossy().replace('\\', "/");
        if owned.files.contains(text.as_str()) {
            continue;
        }
        if owned.directories.contains(text.as_str())
            && entry.file_type().map_err(io_at(&here))?.is_dir()
        {
            let target = staging.join(&path);
            fs::create_dir_all(&target).map_err(io_at(&target))?;
            keep_foreign(dir, staging, &path, owned, kept)?;
        } else {
            fs::rename(dir.join(&path), staging.join(&path)).map_err(io_at(dir))?;
            kept.push(path);
        }
    }
    Ok(())
}

/// A path beside `dir` for staging, unique to this process.
fn sibling(dir: &Path, purpose: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    dir.with_file_name(format!(".{name}.egressc-{purpose}-{}", std::process::id()))
}
