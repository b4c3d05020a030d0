// tarref writes the code package Fabric v1.4.12's node platform makes of a folder
// (core/container/util/writer.go's WriteFolderToTarPackage, reduced to folders without
// META-INF, .git or node_modules) with Go's own archive/tar and compress/gzip, to stdout.
// The integration tests compare our packages with its output on inputs large enough for
// many deflate blocks and window slides.
package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"time"
)

func main() {
	root := os.Args[1]
	gw := gzip.NewWriter(os.Stdout)
	tw := tar.NewWriter(gw)
	err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.Mode().IsDir() {
			return err
		}
		header, err := tar.FileInfoHeader(info, path)
		if err != nil {
			return err
		}
		var zero time.Time
		header.AccessTime, header.ModTime, header.ChangeTime = zero, zero, zero
		header.Name = "src" + path[len(root):]
		header.Mode = 0100644
		header.Uid, header.Gid = 500, 500
		if err := tw.WriteHeader(header); err != nil {
			return err
		}
		fd, err := os.Open(path)
		if err != nil {
			return err
		}
		defer fd.Close()
		_, err = io.Copy(tw, bufio.NewReader(fd))
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = gw.Close()
	}
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}
