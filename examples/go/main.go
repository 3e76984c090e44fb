// Command stream_workflow runs a Mindra workflow from Go and watches it work, live: it prints
// text chunks as they arrive, shows tool calls, approves the tool calls the workflow pauses
// on, and ends with the final answer.
//
//	go run . [SLUG [TASK]]     (default: approval "Email the weekly report")
//
// It uses the client's defaults, MINDRA_API_KEY and MINDRA_BASE_URL (`make demo-go` runs it
// against the local emulator). Exits 0 on a completed run, 1 on an error, 2 on bad usage.
// Ctrl-C cancels the stream cleanly.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	mindra "github.com/mindra/libmindra/bindings/go"
)

func main() {
	slug, task := "approval", "Email the weekly report"
	switch len(os.Args) {
	case 3:
		task = os.Args[2]
		fallthrough
	case 2:
		slug = os.Args[1]
	case 1:
	default:
		fmt.Fprintf(os.Stderr, "usage: %s [SLUG [TASK]]\n", os.Args[0])
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, slug, task)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "\nerror:", err)
		if errors.Is(err, context.Canceled) {
			os.Exit(130)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, slug, task string) error {
	client, err := mindra.NewClient()
	if err != nil {
		return err
	}
	defer client.Close()

	exec, err := client.Run(ctx, slug, task, map[string]string{"source": "examples/go"})
	if err != nil {
		return fmt.Errorf("starting %s: %w", slug, err)
	}
	fmt.Printf("started %s (%s)\n", exec.ExecutionID, exec.WorkflowName)

	stream, err := client.Stream(ctx, exec.StreamURL)
	if err != nil {
		return fmt.Errorf("opening the stream: %w", err)
	}
	defer stream.Close()

	completed := false
	for ev, err := range stream.All() {
		if err != nil {
			return fmt.Errorf("streaming: %w", err)
		}
		switch ev := ev.(type) {
		case mindra.Chunk:
			fmt.Print(ev.Content)
		case mindra.ToolExecuting:
			fmt.Printf("\n[tool] %s %s\n", ev.ToolName, ev.ToolInput)
		case mindra.ToolResult:
			fmt.Printf("[tool result] %s: %s\n", ev.ToolName, ev.Result)
		case mindra.ApprovalRequest:
			fmt.Printf("\n[approval] %s wants to run %s %s: approving\n", ev.ApprovalID, ev.ToolName, ev.ToolInput)
			if err := client.Approve(ctx, exec.ExecutionID, ev.ApprovalID, "approved by examples/go"); err != nil {
				return fmt.Errorf("approving: %w", err)
			}
		case mindra.Done:
			fmt.Printf("\n[done] %s\nfinal answer: %s\n", ev.Status, ev.FinalAnswer)
			completed = ev.Status == "completed"
		default: // mindra.Other: an event this binding does not know
			fmt.Printf("\n[%s] %s\n", ev.Name(), ev.Data())
		}
	}
	if !completed {
		return errors.New("the workflow did not complete")
	}
	return nil
}
