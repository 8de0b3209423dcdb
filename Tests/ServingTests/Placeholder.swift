import Testing
@Test func placeholder_serving() { #expect(1 + 1 == 2) }
