import Testing
@Test func placeholder_LayersTests() { #expect(1 + 1 == 2) }
