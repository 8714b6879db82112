// Package atomicfile writes a file through a temporary file in the same folder and a
// rename, so a reader (the next report, a CI job) sees the old file or the new one, never
// half of either. The profile cache and the refreshed price file both need it.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// Write writes data to path atomically, creating its folder.
func Write(path string, data []byte) error {
	return WriteFunc(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFunc writes what write writes to path atomically, creating its folder: the data is
// streamed to the temporary file, never held whole in memory (a large report).
func WriteFunc(path string, write func(w io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if err := write(tmp); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
