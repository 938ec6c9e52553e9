service A extends B { void f() }
service B extends A { void f() }
service C extends C {}
