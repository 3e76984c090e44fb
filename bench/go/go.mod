module github.com/mindra/libmindra/bench/go

go 1.24

replace github.com/mindra/libmindra/bindings/go => ../../bindings/go

require github.com/mindra/libmindra/bindings/go v0.0.0-00010101000000-000000000000
