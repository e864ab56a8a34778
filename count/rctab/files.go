package rctab

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// A configuration and its cast vote records are read either from the operating
// system's files by path (LoadConfig, Count, Run) or from an fs.FS (LoadConfigFS,
// CountFS: an upload held in memory, or os.DirFS). Both go through the same code: the
// path-based functions pass osFiles, an fs.FS over the operating system whose names
// are paths as the operating system takes them (absolute, or with ".." in them), so
// that they read, and fail, exactly as they always have.

// osFiles reads the operating system's files by path. It is not a general-purpose
// fs.FS (it does not insist on fs.ValidPath names); only this package makes one.
type osFiles struct{}

func (osFiles) Open(name string) (fs.File, error)          { return os.Open(name) }
func (osFiles) ReadFile(name string) ([]byte, error)       { return os.ReadFile(name) }
func (osFiles) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }
func (osFiles) Stat(name string) (fs.FileInfo, error)      { return os.Stat(name) }

// isOS reports whether fsys names files by operating-system path.
func isOS(fsys fs.FS) bool {
	_, ok := fsys.(osFiles)
	return fsys == nil || ok
}

// files is where the config's files are read; a Config built in memory (nil fsys)
// reads the operating system's files.
func (c *Config) files() fs.FS {
	if c.fsys == nil {
		return osFiles{}
	}
	return c.fsys
}

// dirOf is the folder that holds name.
func dirOf(fsys fs.FS, name string) string {
	if isOS(fsys) {
		return filepath.Dir(name)
	}
	return path.Dir(name)
}

// resolve locates a cvrFileSources filePath: relative to the config's folder, or as
// given when absolute. In an fs.FS an absolute path stays absolute, and so is refused
// as outside the files given.
func (c *Config) resolve(p string) string {
	if isOS(c.fsys) {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(c.Dir, p)
	}
	if path.IsAbs(p) || filepath.IsAbs(p) {
		return p
	}
	return path.Join(c.Dir, p)
}

// join names the entry elem of the folder dir.
func (c *Config) join(dir, elem string) string {
	if isOS(c.fsys) {
		return filepath.Join(dir, elem)
	}
	return path.Join(dir, elem)
}

// base is the last element of a file's name.
func (c *Config) base(p string) string {
	if isOS(c.fsys) {
		return filepath.Base(p)
	}
	return path.Base(p)
}

func (c *Config) readFile(p string) ([]byte, error)       { return fs.ReadFile(c.files(), p) }
func (c *Config) open(p string) (fs.File, error)          { return c.files().Open(p) }
func (c *Config) readDir(p string) ([]fs.DirEntry, error) { return fs.ReadDir(c.files(), p) }

// statPath checks that a cast vote record source exists.
func (c *Config) statPath(p string) (fs.FileInfo, error) {
	if !isOS(c.fsys) && !fs.ValidPath(p) {
		return nil, fmt.Errorf("%s is not among the files given (a path must lead to a file beside or below the config)", p)
	}
	fi, err := fs.Stat(c.files(), p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s does not exist", p)
		}
		return nil, err
	}
	return fi, nil
}
