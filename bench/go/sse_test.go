package main

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// The plain-Go peer reader must be a correct event-stream reader before it is a yardstick:
// the applicable cases of docs/sse-conformance.md, whole and one byte per read.
func TestSSEReaderConformance(t *testing.T) {
	cases := []struct{ in, want string }{
		{"data: hello\n\n", "message|hello|;"},
		{"data:hello\n\n", "message|hello|;"},
		{"data:  x\n\n", "message| x|;"},
		{"data: a\ndata: b\n\n", "message|a\nb|;"},
		{"data\n\n", "message||;"},
		{"data\ndata\n\n", "message|\n|;"},
		{"event: chunk\n\ndata: x\n\n", "message|x|;"},
		{"event:\ndata: x\n\n", "message|x|;"},
		{": ping\n\n:\n", ""},
		{"data: a\r\n\r\n", "message|a|;"},
		{"data: a\r\rdata: b\r\r", "message|a|;message|b|;"},
		{"data: A\r\ndata: B\r\ndata: C\r\n\n", "message|A\nB\nC|;"},
		{"data: one\r\r\n", "message|one|;"},
		{"id:one\r\ndata:x\r\n\ndata:two\n\rdata:unfinished", "message|x|one;message|two|one;"},
		{"\xEF\xBB\xBFdata: x\n\n", "message|x|;"},
		{"id: 7\ndata: a\n\ndata: b\n\n", "message|a|7;message|b|7;"},
		{"id: 7\n\nid\n\ndata: x\n\n", "message|x|;"},
		{"Data: x\n\ndata : x\n\n", ""},
		{"data: x", ""},
		{"event: chunk\ndata: {\"content\":\"a\"}\n\nevent: done\ndata: {}\n\n", "chunk|{\"content\":\"a\"}|;done|{}|;"},
		{"event: heartbeat\ndata: {}\n\ndata: next\n\n", "heartbeat|{}|;message|next|;"},
	}
	for _, c := range cases {
		for _, oneByte := range []bool{false, true} {
			var r io.Reader = strings.NewReader(c.in)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			s := newSSEReader(r)
			var got strings.Builder
			for {
				name, data, id, err := s.next()
				if err != nil {
					break
				}
				fmt.Fprintf(&got, "%s|%s|%s;", name, data, id)
			}
			if got.String() != c.want {
				t.Errorf("%q (one byte %v): got %q, want %q", c.in, oneByte, got.String(), c.want)
			}
		}
	}
}
