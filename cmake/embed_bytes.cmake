# embed_bytes(FILE BYTES SIZE): the file's bytes as C initialisers
# ("0x41,0x42,") in BYTES and its length in SIZE; shared by the scripts
# that embed config/ and the web board into the binaries.
function(embed_bytes path bytes_var size_var)
    file(READ ${path} hex HEX)
    string(LENGTH "${hex}" hex_length)
    math(EXPR size "${hex_length} / 2")
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
    set(${bytes_var} "${bytes}" PARENT_SCOPE)
    set(${size_var} ${size} PARENT_SCOPE)
endfunction()
