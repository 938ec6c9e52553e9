struct A { 1: B b }
struct B { 1: A a }