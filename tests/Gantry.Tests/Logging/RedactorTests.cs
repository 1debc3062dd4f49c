using Gantry.Logging;

namespace Gantry.Tests.Logging;

public sealed class RedactorTests
{
    public static TheoryData<string, string> Redactions => new()
    {
        { "write to jane.doe+tag@example.co.uk today", $"write to {Redactor.Email} today" },
        { "Authorization: Bearer eyJhbGciOi.J9abc-def_123", $"Authorization: Bearer {Redactor.Secret}" },
        { "use bearer abcDEF0123456789+/== please", $"use bearer {Redactor.Secret} please" },
        { "key sk-proj-AbCdEfGhIjKlMnOpQrStUv123 end", $"key {Redactor.Secret} end" },
        { "aws AKIAIOSFODNN7EXAMPLE ok", $"aws {Redactor.Secret} ok" },
        { "token ghp_abcdefghijklmnopqrstuvwxyz0123456789 x", $"token {Redactor.Secret} x" },
        { "api_key=abc123secret, next", $"api_key={Redactor.Secret}, next" },
        { "password: \"hunter2\"", $"password: {Redactor.Secret}\"" },
        { "card 4111 1111 1111 1111 expires", $"card {Redactor.Card} expires" },
        { "card 4111-1111-1111-1111.", $"card {Redactor.Card}." },
        { "amex 378282246310005", $"amex {Redactor.Card}" },
        { "call +1 415 555 2671 now", $"call {Redactor.Phone} now" },
        { "call (415) 555-2671 now", $"call {Redactor.Phone} now" },
        { "tel 020 7946 0958", $"tel {Redactor.Phone}" },
        { "mobile 4155552671", $"mobile {Redactor.Phone}" },
    };

    public static TheoryData<string> Untouched => new()
    {
        "The answer is 42 and the year is 2024.",
        "Order 1234567 shipped.",
        "version 1.2.3 of the library",
        "no secrets in this sentence about tokens and keys",
        "invalid card 4111 1111 1111 1112",
        "user@localhost has no domain suffix",
    };

    [Theory]
    [MemberData(nameof(Redactions))]
    public void Redact_SensitiveValue_Replaced(string input, string expected)
    {
        var redacted = Redactor.Redact(input);

        Assert.Equal(expected, redacted);
    }

    [Theory]
    [MemberData(nameof(Untouched))]
    public void Redact_OrdinaryText_Unchanged(string input)
    {
        var redacted = Redactor.Redact(input);

        Assert.Equal(input, redacted);
    }

    [Fact]
    public void Redact_SeveralKinds_AllReplaced()
    {
        var input = "Mail bob@corp.example, card 5500 0000 0000 0004, header Bearer abc.def.ghi, phone +44 20 7946 0958.";

        var redacted = Redactor.Redact(input);

        Assert.DoesNotContain("bob@corp.example", redacted);
        Assert.DoesNotContain("5500", redacted);
        Assert.DoesNotContain("abc.def.ghi", redacted);
        Assert.DoesNotContain("7946", redacted);
        Assert.Contains(Redactor.Email, redacted);
        Assert.Contains(Redactor.Card, redacted);
        Assert.Contains(Redactor.Secret, redacted);
        Assert.Contains(Redactor.Phone, redacted);
    }

    [Theory]
    [InlineData("4111111111111111", true)]
    [InlineData("4111111111111112", false)]
    [InlineData("4111 1111 1111 1111", true)]
    [InlineData("411111111111", false)]
    [InlineData("49927398716", false)]
    public void IsCardNumber_ChecksLengthAndLuhn(string candidate, bool expected)
    {
        Assert.Equal(expected, Redactor.IsCardNumber(candidate));
    }

    [Fact]
    public void Truncate_ShortText_Unchanged()
    {
        Assert.Equal("hello", Redactor.Truncate("hello", 5));
    }

    [Fact]
    public void Truncate_LongText_CutWithCount()
    {
        var truncated = Redactor.Truncate("abcdefghij", 4);

        Assert.Equal("abcd…[6 more characters]", truncated);
    }

    [Fact]
    public void Truncate_InsideSurrogatePair_KeepsPairWhole()
    {
        var text = "ab\U0001F600cd";

        var truncated = Redactor.Truncate(text, 3);

        Assert.Equal("ab…[4 more characters]", truncated);
    }
}
