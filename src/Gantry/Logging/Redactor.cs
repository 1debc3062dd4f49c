using System.Text.RegularExpressions;

namespace Gantry.Logging;

/// <summary>
/// Replaces personal data and credentials in text before it is logged: e-mail addresses, bearer tokens, API
/// keys, payment card numbers and phone numbers. It errs towards removing too much: a long number with
/// separators, such as a date, may be taken for a phone number. Thread-safe.
/// </summary>
public static partial class Redactor
{
    /// <summary>Replacement for an e-mail address.</summary>
    public const string Email = "[email]";

    /// <summary>Replacement for a bearer token, API key or secret assignment.</summary>
    public const string Secret = "[secret]";

    /// <summary>Replacement for a payment card number.</summary>
    public const string Card = "[card]";

    /// <summary>Replacement for a phone number.</summary>
    public const string Phone = "[phone]";

    /// <summary>Returns <paramref name="text"/> with every match replaced by its placeholder.</summary>
    public static string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        // Credentials go first: a key can contain digit runs that the card and phone patterns would split.
        text = BearerPattern().Replace(text, match => match.Groups["scheme"].Value + " " + Secret);
        text = SecretAssignmentPattern().Replace(text, match => match.Groups["name"].Value + match.Groups["sep"].Value + Secret);
        text = ApiKeyPattern().Replace(text, Secret);
        text = EmailPattern().Replace(text, Email);
        text = CardCandidatePattern().Replace(text, match => IsCardNumber(match.Value) ? Card : match.Value);
        return PhoneCandidatePattern().Replace(text, match => IsPhoneNumber(match.Value) ? Phone : match.Value);
    }

    /// <summary>Returns <paramref name="text"/> cut to <paramref name="maxChars"/> characters, saying how many were cut.</summary>
    public static string Truncate(string text, int maxChars)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChars, 1);
        if (text.Length <= maxChars)
        {
            return text;
        }

        var cut = maxChars;
        if (char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return $"{text[..cut]}…[{text.Length - cut} more characters]";
    }

    /// <summary>Whether the digits of <paramref name="candidate"/> form a 13 to 19 digit number with a valid Luhn check digit.</summary>
    public static bool IsCardNumber(string candidate)
    {
        var digits = candidate.Where(char.IsAsciiDigit).Select(c => c - '0').ToArray();
        if (digits.Length is < 13 or > 19)
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var digit = digits[digits.Length - 1 - i];
            if (i % 2 == 1)
            {
                digit *= 2;
                if (digit > 9)
                {
                    digit -= 9;
                }
            }

            sum += digit;
        }

        return sum % 10 == 0;
    }

    private static bool IsPhoneNumber(string candidate)
    {
        var digits = candidate.Count(char.IsAsciiDigit);
        var international = candidate.StartsWith('+');
        var separated = candidate.Any(c => c is ' ' or '-' or '.' or '(' or ')');

        // A bare run of digits is a phone number only when it is as long as a full national number.
        return digits is >= 7 and <= 15 && (international || separated || digits >= 10);
    }

    [GeneratedRegex(@"(?<scheme>\b[Bb]earer)\s+[A-Za-z0-9\-._~+/]+=*")]
    private static partial Regex BearerPattern();

    [GeneratedRegex(
        @"(?<name>\b(?:api[_-]?key|apikey|access[_-]?token|secret|password|passwd|token)\b)(?<sep>\s*[:=]\s*)[""']?[^\s""',;]+",
        RegexOptions.IgnoreCase)]
    private static partial Regex SecretAssignmentPattern();

    // OpenAI-style keys (sk-, sk-proj-), AWS access key ids, GitHub, Slack and Hugging Face tokens, JWTs.
    [GeneratedRegex(
        @"\b(?:(?:sk|pk|rk)-[A-Za-z0-9_\-]{16,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|xox[abprs]-[A-Za-z0-9\-]{10,}|hf_[A-Za-z0-9]{30,}|eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")]
    private static partial Regex ApiKeyPattern();

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"(?<!\d)\d(?:[ \-]?\d){12,18}(?!\d)")]
    private static partial Regex CardCandidatePattern();

    [GeneratedRegex(@"(?<![\w+])\+?(?:\(\d{1,4}\)|\d)(?:[ .\-]?(?:\(\d{1,4}\)|\d)){6,18}(?!\w)")]
    private static partial Regex PhoneCandidatePattern();
}
