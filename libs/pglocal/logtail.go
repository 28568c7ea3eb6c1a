package pglocal

import (
	"io"
	"os"
	"strings"
)

// tailLines is how much of the server log an error carries.
const tailLines = 30

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// tailFrom returns the last lines written to path after offset, i.e. by this attempt only.
func tailFrom(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return "(no server log: " + err.Error() + ")"
	}
	defer f.Close()
	const maxRead = 64 << 10
	if size := fileSize(path); size-offset > maxRead {
		offset = size - maxRead
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return "(server log unreadable: " + err.Error() + ")"
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return "(server log unreadable: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > tailLines {
		lines = lines[len(lines)-tailLines:]
	}
	return strings.Join(lines, "\n")
}
