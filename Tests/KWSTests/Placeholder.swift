import Testing
@Test func placeholder_KWSTests() { #expect(1 + 1 == 2) }
