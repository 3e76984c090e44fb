// Package mindra is the Go binding of libmindra, the native SDK for the Mindra workflow API:
// run a workflow, stream its events, and approve or reject the tool calls it pauses on.
//
// It calls libmindra's C ABI through cgo. By default it links the static libmindra.a built in
// the repository checkout (target/release), so programs need no shared library at run time;
// the build tags mindra_pkgconfig and mindra_external link an installed copy instead (see
// README.md).
//
// # Example
//
//	client, err := mindra.NewClient() // MINDRA_API_KEY, MINDRA_BASE_URL
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer client.Close()
//
//	exec, err := client.Run(ctx, "approval", "Email the weekly report", map[string]any{"team": "ops"})
//	if err != nil {
//		log.Fatal(err)
//	}
//	stream, err := client.Stream(ctx, exec.ExecutionID)
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer stream.Close()
//	for ev, err := range stream.All() {
//		if err != nil {
//			log.Fatal(err)
//		}
//		switch ev := ev.(type) {
//		case mindra.Chunk:
//			fmt.Print(ev.Content)
//		case mindra.ApprovalRequest:
//			if err := client.Approve(ctx, exec.ExecutionID, ev.ApprovalID, ""); err != nil {
//				log.Fatal(err)
//			}
//		case mindra.Done:
//			fmt.Println("\nfinal answer:", ev.FinalAnswer)
//		}
//	}
//
// RunAndWait does all of this in one call, with a handler that decides approvals.
//
// # Events: one type per kind
//
// Each event kind is its own struct (Chunk, ToolExecuting, ToolResult, ApprovalRequest, Done,
// and Other for any name this package does not know), all implementing Event, and a type
// switch tells them apart. The alternative, one struct with a Type field, would carry the
// union of every kind's fields, most of them meaningless for any given event (the C struct's
// NULL fields), and nothing would stop code from reading Content on a Done. With one type per
// kind, the fields in scope in each case of the switch are exactly the ones the event
// carries, the compiler checks them, and a kind added to the API later arrives as Other (with
// its Name and raw Data) instead of breaking existing switches.
//
// # Errors
//
// Every error this package produces is a *Error (a RunAndWait handler's own errors are returned
// as they are) with a Kind, the HTTP status, the API's error Code, a Message and
// the RequestID. errors.Is(err, mindra.ErrNotFound) (or ErrRateLimited, ErrTimeout, ...)
// matches by kind; errors.As gives the details. An error caused by a context also matches
// context.Canceled or context.DeadlineExceeded, and one caused by Close matches ErrClosed.
//
// # Cancellation
//
// Every blocking call takes a context. libmindra's calls that send one request (Run, Approve,
// Reject, opening a Stream) cannot be interrupted once started: when the context ends first,
// the method returns a cancellation error at once and the C call finishes in the background,
// bounded by the client timeout (WithTimeout), so the request may still reach the server.
// Streams are different: ending a stream's context, or calling Stream.Close from another
// goroutine, cancels a blocked Stream.Next within well under a second through
// mindra_stream_cancel.
//
// # Concurrency and resources
//
// A Client is safe for concurrent use; one goroutine reads a given Stream, but any goroutine
// may Close it. Client.Close and Stream.Close are idempotent and wait for C calls in flight
// before freeing anything. Both objects also have a runtime cleanup that frees them if they
// are dropped without Close; that is a leak backstop, not a substitute for Close.
package mindra
