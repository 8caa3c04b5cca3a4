package v2proto

import (
	"io"
	"os"
	"sync/atomic"
)

// largeBlob is the size from which an upload counts in largeUploads:
// 1 MiB. How a smaller body reaches the socket makes no measurable
// difference.
const largeBlob = 1 << 20

// largeUploads is the number of uploads of large blobs in flight in the
// process, by every client: each upload counts itself while it runs, and a
// call that uploads several large blobs at a time counts them all for its
// whole length.
var largeUploads atomic.Int64

// largeBlobs returns how many of blobs are large.
func largeBlobs(blobs []Blob) int64 {
	var n int64
	for _, b := range blobs {
		if b.Size() >= largeBlob {
			n++
		}
	}
	return n
}

// open opens the blob for a request body. An *os.File is copied through
// user space (hidden from net/http, which would send it with sendfile(2))
// unless the client has WithSendfile or another large upload is in flight
// (of this call or another): the copy pays while the registry has a core
// to spare (see WithSendfile).
func (u *blobUpload) open() (io.ReadCloser, error) {
	rc, err := u.blob.Open()
	if err != nil {
		return nil, err
	}
	if f, ok := rc.(*os.File); ok && !u.c.sendfile && largeUploads.Load() <= 1 {
		return userCopy{f}, nil
	}
	return rc, nil
}

// userCopy hides an *os.File from net/http: its bytes are read into
// net/http's buffer and written to the socket.
type userCopy struct{ f *os.File }

func (u userCopy) Read(p []byte) (int, error) { return u.f.Read(p) }

func (u userCopy) Close() error { return u.f.Close() }
