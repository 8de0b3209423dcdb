import Testing
@Test func placeholder_TensorTests() { #expect(1 + 1 == 2) }
