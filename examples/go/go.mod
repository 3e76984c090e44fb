module github.com/mindra/libmindra/examples/go

go 1.24

require github.com/mindra/libmindra/bindings/go v0.0.0

// The binding is used from this checkout; outside it, drop this line and require a version.
replace github.com/mindra/libmindra/bindings/go => ../../bindings/go
