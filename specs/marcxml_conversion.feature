Feature: MARCXML conversion counts octets and needs UTF-8
  "Failed to convert marc record to marc xml": "The MARC record contains fields that cannot be
  crosswalked to MARC XML" (CARLI). The directory of an ISO 2709 record gives a field's length in
  four digits, terminator included: "a field may contain a maximum of 9999 octets" (Library of
  Congress, MARC 21 Specifications). Octets, not characters: in UTF-8 an accented letter takes two.
  "Alma's import integration requires MARC21 and UTF-8": Leader/09 says which one a record is.

  Background:
    Given the zone:
      | kind             | Institution                        |
      | institution code | 01CARLI_XYZ                        |
      | host             | i-share-xyz.alma.exlibrisgroup.com |
      | logon ID         | 01CARLI_XYZ                        |
    And the zone has the CARLI integration profile with password "secret"
    And the incoming record:
      | tag | indicators | subfields                        |
      | 035 | ##         | $a (OCoLC)1234567                |
      | 245 | 10         | $a Les misérables / $c Victor Hugo. |

  Scenario Outline: A field of <octets> octets written in <text> is <verdict>
    Given the incoming record has a 505 field of <octets> octets written with "<letter>"
    When the record is exported
    Then the outcome is <outcome>

    Examples:
      | octets | text               | letter | verdict  | outcome                   |
      | 9,999  | ASCII letters      | x      | accepted | ADDED                     |
      | 10,000 | ASCII letters      | x      | refused  | MARCXML_CONVERSION_FAILED |
      | 9,999  | accented letters   | é      | accepted | ADDED                     |
      | 10,000 | accented letters   | é      | refused  | MARCXML_CONVERSION_FAILED |
      | 10,000 | three-octet kana   | カ     | refused  | MARCXML_CONVERSION_FAILED |

  Scenario: Five thousand accented letters are over the limit though they are half as many characters
    Given the incoming record has a 505 field of 10,001 octets written with "é"
    When the record is exported
    Then the outcome is MARCXML_CONVERSION_FAILED
    And the host message is "Import Failed: Failed to convert marc record to marc xml"
    And the trace shows:
      | stage   | verdict | says                           |
      | marcxml | failed  | field 505 is 10,001 octets     |

  Scenario: A MARC-8 record (Leader/09 blank) with accented letters is refused
    Given the incoming record's Leader/09 is "#"
    When the record is exported
    Then the outcome is MARCXML_CONVERSION_FAILED
    And the trace shows:
      | stage   | verdict | says                |
      | marcxml | failed  | field 245 has non-ASCII data but Leader/09 is ' ' |

  Scenario: The same record sent as UTF-8 (Leader/09 a) is added, and saved as UTF-8
    Given the incoming record's Leader/09 is "a"
    When the record is exported
    Then the outcome is ADDED
    And the saved record's Leader/09 is "a"

  Scenario: A MARC-8 record in plain ASCII converts, and is saved as it came
    Given the incoming record:
      | tag | indicators | subfields                         |
      | 035 | ##         | $a (OCoLC)1234567                 |
      | 245 | 10         | $a Pride and prejudice.           |
    And the incoming record's Leader/09 is "#"
    When the record is exported
    Then the outcome is ADDED
    And the saved record's Leader/09 is "#"

  Scenario: With MARCXML validation off, the MARC-8 record goes through
    Given MARCXML validation is off
    And the incoming record's Leader/09 is "#"
    When the record is exported
    Then the outcome is ADDED
