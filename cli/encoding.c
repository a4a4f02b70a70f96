/*  encoding: UTF-8 checking and repair, base64 and hex (see encoding.h). */
#include "encoding.h"

#include <stdlib.h>
#include <string.h>

size_t
encoding_utf8_next (const unsigned char *text, size_t remaining, uint32_t *point_out)
{
    if (remaining == 0)
        return 0;
    unsigned char lead = text [0];
    if (lead < 0x80) {
        *point_out = lead;
        return 1;
    }
    size_t length;
    uint32_t point;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        point = lead & 0x1F;
    }
    else
    if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        point = lead & 0x0F;
    }
    else
    if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        point = lead & 0x07;
    }
    else
        return 0;
    if (length > remaining)
        return 0;
    for (size_t index = 1; index < length; index++) {
        if ((text [index] & 0xC0) != 0x80)
            return 0;
        point = (point << 6) | (text [index] & 0x3F);
    }
    if ((length == 3 && point < 0x800) || (length == 4 && point < 0x10000)
    ||  (point >= 0xD800 && point <= 0xDFFF) || point > 0x10FFFF)
        return 0;
    *point_out = point;
    return length;
}

char *
encoding_utf8_clean (const char *text, size_t size, size_t *out_size)
{
    //  Each invalid byte becomes three bytes (EF BF BD) at worst.
    char *clean = (char *) malloc (size * 3 + 1);
    if (!clean)
        return NULL;
    const unsigned char *bytes = (const unsigned char *) text;
    size_t written = 0;
    for (size_t index = 0; index < size;) {
        uint32_t point;
        size_t length = encoding_utf8_next (bytes + index, size - index, &point);
        if (length) {
            memcpy (clean + written, bytes + index, length);
            written += length;
            index += length;
        }
        else {
            memcpy (clean + written, "\xEF\xBF\xBD", 3);
            written += 3;
            index++;
        }
    }
    clean [written] = 0;
    if (out_size)
        *out_size = written;
    return clean;
}

char *
encoding_base64 (const void *data, size_t size)
{
    static const char alphabet [] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *bytes = (const unsigned char *) data;
    char *text = (char *) malloc ((size + 2) / 3 * 4 + 1);
    if (!text)
        return NULL;
    size_t written = 0;
    for (size_t index = 0; index < size; index += 3) {
        uint32_t group = (uint32_t) bytes [index] << 16;
        if (index + 1 < size)
            group |= (uint32_t) bytes [index + 1] << 8;
        if (index + 2 < size)
            group |= bytes [index + 2];
        text [written++] = alphabet [(group >> 18) & 0x3F];
        text [written++] = alphabet [(group >> 12) & 0x3F];
        text [written++] = index + 1 < size? alphabet [(group >> 6) & 0x3F]: '=';
        text [written++] = index + 2 < size? alphabet [group & 0x3F]: '=';
    }
    text [written] = 0;
    return text;
}

char *
encoding_hex (const void *data, size_t size)
{
    static const char digits [] = "0123456789abcdef";
    const unsigned char *bytes = (const unsigned char *) data;
    char *text = (char *) malloc (size * 2 + 1);
    if (!text)
        return NULL;
    for (size_t index = 0; index < size; index++) {
        text [index * 2] = digits [bytes [index] >> 4];
        text [index * 2 + 1] = digits [bytes [index] & 0x0F];
    }
    text [size * 2] = 0;
    return text;
}
